package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * Where bucket states live. A store moves bytes; it makes no decisions. Absent means full.
 *
 * <p>Implementations are used by one applying thread at a time; {@link #get} may also be called
 * from readers.
 */
public interface BucketStore extends AutoCloseable {

  /** The stored state of {@code key}, or {@code null} when none is stored (a full bucket). */
  BucketState get(byte[] key);

  /** Applies {@code writes} (with its sweep cursor) and records {@code marker}, atomically. */
  void commit(WriteSet writes, AppliedMarker marker);

  /**
   * Visits up to {@code limit} stored buckets with keys after {@code afterKey} (all keys when
   * null), in ascending unsigned key order.
   */
  void scan(byte[] afterKey, int limit, BiConsumer<byte[], BucketState> visitor);

  /** Where the sweep for full buckets goes on from: the last key it looked at, or null. */
  byte[] sweepCursor();

  /** The marker of the last commit, or {@link AppliedMarker#NONE} for an empty store. */
  AppliedMarker appliedMarker();

  /** Visits every stored bucket in ascending key order (unsigned byte order). */
  void forEach(BiConsumer<byte[], BucketState> visitor);

  /** Number of stored buckets; may be an estimate for large stores. */
  long approximateSize();

  /** Writes a consistent copy of the store to {@code target}, which must not exist yet. */
  void checkpoint(Path target) throws IOException;

  @Override
  void close();
}
