package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Bucket states held in memory and written to a {@link RocksDbBucketStore} in bulk: the apply
 * path reads and writes a hash table, and RocksDB sees one batch per flush instead of one per
 * entry, in which a hot key is written once however often it was updated.
 *
 * <p>Nothing is lost by holding writes back. The working database is not the durable copy of the
 * state: the Raft log is, together with the snapshot it was replayed from, and on every start the
 * working database is rebuilt from the latest snapshot. So the writes only have to reach RocksDB
 * before a {@link #checkpoint}, which flushes first; between checkpoints they are flushed when
 * {@code maxPendingKeys} keys are held, which bounds the memory this table takes.
 *
 * <p>Reads see the pending writes first (a deleted bucket is held as {@link #DELETED} until the
 * flush), then RocksDB. Used by one applying thread; {@link #get} and {@link #appliedMarker} may
 * be called from other threads.
 */
public final class WriteBehindBucketStore implements BucketStore {
  /** About 20 MiB of heap per group at ~150 bytes per pending bucket. */
  public static final int DEFAULT_MAX_PENDING_KEYS = 1 << 17;
  /** Stands for a deleted bucket in {@link #pending}, which cannot hold nulls. */
  private static final BucketState DELETED = BucketState.full(BucketLimit.of(1, 1), 0);

  private final RocksDbBucketStore durable;
  private final int maxPendingKeys;
  private final ConcurrentHashMap<ByteBuffer, BucketState> pending = new ConcurrentHashMap<>();
  /** The expiry index entries not yet flushed: slot → keys. */
  private final TreeMap<Long, Set<ByteBuffer>> pendingDue = new TreeMap<>();
  private volatile AppliedMarker marker;
  private volatile long expiredBelowSlot;

  public WriteBehindBucketStore(RocksDbBucketStore durable, int maxPendingKeys) {
    if (maxPendingKeys < 1) {
      throw new IllegalArgumentException("maxPendingKeys must be at least 1: " + maxPendingKeys);
    }
    this.durable = durable;
    this.maxPendingKeys = maxPendingKeys;
    this.marker = durable.appliedMarker();
    this.expiredBelowSlot = durable.expiredBelowSlot();
  }

  @Override
  public BucketState get(byte[] key) {
    BucketState held = pending.get(ByteBuffer.wrap(key));
    if (held == null) {
      return durable.get(key);
    }
    return held == DELETED ? null : held;
  }

  @Override
  public void commit(WriteSet writes, AppliedMarker newMarker) {
    writes.forEach((key, state) ->
        pending.put(ByteBuffer.wrap(key.clone()), state == null ? DELETED : state));
    long expiredBelow = writes.expiredBelowSlot();
    writes.forEachDue((key, slot) -> {
      if (slot >= expiredBelow) {
        pendingDue.computeIfAbsent(slot, s -> new HashSet<>()).add(ByteBuffer.wrap(key.clone()));
      }
    });
    pendingDue.headMap(expiredBelow).clear();
    expiredBelowSlot = expiredBelow;
    marker = newMarker;
    if (pending.size() >= maxPendingKeys) {
      flush();
    }
  }

  /**
   * Visits the keys indexed in the slots {@code [fromSlot, toSlot)}: those flushed to RocksDB and
   * those still held here. Not in any particular order, and a key indexed in both may be visited
   * twice; the caller checks each key's current state.
   */
  @Override
  public void visitDue(long fromSlot, long toSlot, Consumer<byte[]> visitor) {
    if (fromSlot >= toSlot) {
      return;
    }
    durable.visitDue(fromSlot, toSlot, visitor);
    for (Set<ByteBuffer> keys : pendingDue.subMap(fromSlot, toSlot).values()) {
      keys.forEach(key -> visitor.accept(key.array().clone()));
    }
  }

  @Override
  public long expiredBelowSlot() {
    return expiredBelowSlot;
  }

  @Override
  public AppliedMarker appliedMarker() {
    return marker;
  }

  /** Flushes, then visits RocksDB's buckets in ascending key order. */
  @Override
  public void forEach(BiConsumer<byte[], BucketState> visitor) {
    flush();
    durable.forEach(visitor);
  }

  @Override
  public long approximateSize() {
    return durable.approximateSize() + pending.size();
  }

  /** Straight to RocksDB: it is saved only just before a checkpoint. */
  @Override
  public void saveRecentOps(byte[] encoded) {
    durable.saveRecentOps(encoded);
  }

  @Override
  public byte[] savedRecentOps() {
    return durable.savedRecentOps();
  }

  /** Flushes, then checkpoints RocksDB: the checkpoint holds every write committed so far. */
  @Override
  public void checkpoint(Path target) throws IOException {
    flush();
    durable.checkpoint(target);
  }

  /** Keys written since the last flush. */
  public int pendingKeys() {
    return pending.size();
  }

  /**
   * Writes everything held here to RocksDB in one batch. The pending entries are dropped only
   * after the batch is written, so a reader on another thread sees each key's latest state
   * throughout.
   */
  public void flush() {
    AppliedMarker flushedMarker = marker;
    WriteSet batch = new WriteSet();
    for (Map.Entry<ByteBuffer, BucketState> e : pending.entrySet()) {
      batch.put(e.getKey().array(), e.getValue() == DELETED ? null : e.getValue());
    }
    pendingDue.forEach((slot, keys) -> keys.forEach(key -> batch.expireAt(slot, key.array())));
    batch.expiredBelowSlot(expiredBelowSlot);
    durable.commit(batch, flushedMarker);
    pending.clear();
    pendingDue.clear();
  }

  /** Closes RocksDB without flushing: what is held here is rebuilt from the log on restart. */
  @Override
  public void close() {
    pending.clear();
    pendingDue.clear();
    durable.close();
  }
}
