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

  /** {@link #get(byte[])} for a key as the apply path holds it; stores keyed by hash use its hash. */
  default BucketState get(BucketKey key) {
    return get(key.bytes());
  }

  /**
   * Applies {@code writes} (bucket states, expiry index entries, and the expiry cursor, with the
   * index of the slots it has passed dropped) and records {@code marker}, atomically.
   */
  void commit(WriteSet writes, AppliedMarker marker);

  /** Receives one entry of the expiry index; the key's bytes are not to be changed. */
  @FunctionalInterface
  interface DueVisitor {
    void visit(long slot, byte[] key);
  }

  /**
   * Visits the entries of the expiry index that come after {@code after} and lie in slots below
   * {@code toSlot}, each once: the first {@code limit} of them in index order (ascending slot,
   * then unsigned key), in that order. Which entries those are, and the last of them when the
   * limit is reached, are part of the contract: expiry stops where its budget runs out, and every
   * replica must stop at the same entry. The order is not, for a slot visited whole before the
   * limit is reached: its entries may come in any order, which changes neither what is visited
   * nor where the visit stops. A key may have been written again since it was indexed: the caller
   * checks its current state.
   */
  void visitDue(ExpiryCursor after, long toSlot, int limit, DueVisitor visitor);

  /** Visits every key indexed in slots {@code fromSlot} (inclusive) to {@code toSlot} (exclusive). */
  default void visitDue(long fromSlot, long toSlot, Consumer<byte[]> visitor) {
    visitDue(ExpiryCursor.at(fromSlot), toSlot, Integer.MAX_VALUE, (slot, key) -> visitor.accept(key));
  }

  /** How far expiry has gone ({@link ExpiryCursor#START} for a new store). */
  ExpiryCursor expiryCursor();

  /** The slot below which expiry is done (0 for a new store). */
  default long expiredBelowSlot() {
    return expiryCursor().slot();
  }

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
