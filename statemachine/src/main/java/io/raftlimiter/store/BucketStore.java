package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Where bucket states live. A store moves bytes; it makes no decisions. Absent means full.
 *
 * <p>Implementations are used by one applying thread at a time; {@link #get} may also be called
 * from readers.
 */
public interface BucketStore extends AutoCloseable {

  /** The stored state of {@code key}, or {@code null} when none is stored (a full bucket). */
  BucketState get(byte[] key);

  /**
   * Applies {@code writes} (bucket states, expiry index entries, and the expired-below slot, with
   * the index of the slots it passes dropped) and records {@code marker}, atomically.
   */
  void commit(WriteSet writes, AppliedMarker marker);

  /**
   * Visits the keys indexed for expiry in slots {@code fromSlot} (inclusive) to {@code toSlot}
   * (exclusive), at least once each. The order is the store's own (RocksDB and the in-memory
   * store go by ascending slot, then unsigned key), so the caller must not depend on it. A key may
   * have been written again since it was indexed: the caller checks its current state.
   */
  void visitDue(long fromSlot, long toSlot, Consumer<byte[]> visitor);

  /** The slot below which expiry is done (0 for a new store). */
  long expiredBelowSlot();

  /** The marker of the last commit, or {@link AppliedMarker#NONE} for an empty store. */
  AppliedMarker appliedMarker();

  /** Visits every stored bucket in ascending key order (unsigned byte order). */
  void forEach(BiConsumer<byte[], BucketState> visitor);

  /** Number of stored buckets; may be an estimate for large stores. */
  long approximateSize();

  /**
   * Keeps the state machine's table of recent op outcomes with the buckets, to go into the next
   * checkpoint (it is saved just before one, not with every commit).
   */
  void saveRecentOps(byte[] encoded);

  /** The table last saved by {@link #saveRecentOps}, or {@code null} when none was. */
  byte[] savedRecentOps();

  /** Writes a consistent copy of the store to {@code target}, which must not exist yet. */
  void checkpoint(Path target) throws IOException;

  @Override
  void close();
}
