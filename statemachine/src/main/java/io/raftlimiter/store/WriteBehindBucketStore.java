package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Bucket states held in memory and written to a {@link RocksDbBucketStore} in bulk: the apply
 * path reads and writes a hash table, and RocksDB sees one batch per flush instead of one per
 * entry, in which a hot key is written once however often it was updated.
 *
 * <p>Nothing is lost by holding writes back. The working database is not the durable copy of the
 * state: the Raft log is, together with the snapshot it was replayed from, and on every start the
 * working database is rebuilt from the latest snapshot. So the writes only have to reach RocksDB
 * before a {@link #checkpoint}, which flushes first; between checkpoints they are flushed when
 * {@code maxPendingKeys} bucket states and expiry index entries are held together, or when they
 * take {@link #MAX_PENDING_BYTES}, which bounds the memory this table takes (a hot key is one
 * state but may be indexed in many slots, and keys run up to 512 bytes).
 *
 * <p>Reads see the pending writes first (a deleted bucket is held as {@link #DELETED} until the
 * flush), then RocksDB. Used by one applying thread; {@link #get} and {@link #appliedMarker} may
 * be called from other threads.
 */
public final class WriteBehindBucketStore implements BucketStore {
  /** About 20 MiB of heap per group at ~150 bytes per pending bucket. */
  public static final int DEFAULT_MAX_PENDING_KEYS = 1 << 17;
  /**
   * The heap the held states and index entries may take before a flush, about: 131,072 entries
   * of 512-byte keys would otherwise hold some 85 MiB per group.
   */
  public static final long MAX_PENDING_BYTES = 24L << 20;
  /** A held state's heap besides its key's bytes: map node, key object, array header, state. */
  private static final int STATE_OVERHEAD_BYTES = 120;
  /** Stands for a deleted bucket in {@link #pending}, which cannot hold nulls. */
  private static final BucketState DELETED = BucketState.full(BucketLimit.of(1, 1), 0);

  private final RocksDbBucketStore durable;
  private final int maxPendingKeys;
  private final ConcurrentHashMap<BucketKey, BucketState> pending = new ConcurrentHashMap<>();
  /** The expiry index entries not yet flushed. */
  private final DueIndex pendingDue = new DueIndex();
  private volatile AppliedMarker marker;
  private volatile ExpiryCursor expiryCursor;
  /** The heap the held states take, about (the index's is {@link DueIndex#bytes}). */
  private long pendingStateBytes;

  public WriteBehindBucketStore(RocksDbBucketStore durable, int maxPendingKeys) {
    if (maxPendingKeys < 1) {
      throw new IllegalArgumentException("maxPendingKeys must be at least 1: " + maxPendingKeys);
    }
    this.durable = durable;
    this.maxPendingKeys = maxPendingKeys;
    this.marker = durable.appliedMarker();
    this.expiryCursor = durable.expiryCursor();
  }

  @Override
  public BucketState get(byte[] key) {
    return get(BucketKey.of(key));
  }

  @Override
  public BucketState get(BucketKey key) {
    BucketState held = pending.get(key);
    if (held == null) {
      return durable.get(key.bytes());
    }
    return held == DELETED ? null : held;
  }

  @Override
  public void commit(WriteSet writes, AppliedMarker newMarker) {
    // The write set's keys are held as they are: nobody changes a key's bytes once it is made.
    writes.forEachKey((key, state) -> {
      if (pending.put(key, state == null ? DELETED : state) == null) {
        pendingStateBytes += key.bytes().length + STATE_OVERHEAD_BYTES;
      }
    });
    ExpiryCursor cursor = writes.expiryCursor();
    writes.forEachDueKey((key, slot) -> {
      if (slot >= cursor.slot()) {
        pendingDue.add(slot, key);
      }
    });
    pendingDue.dropBelow(cursor.slot());
    expiryCursor = cursor;
    marker = newMarker;
    if (pending.size() + pendingDue.size() >= maxPendingKeys
        || pendingStateBytes + pendingDue.bytes() >= MAX_PENDING_BYTES) {
      flush();
    }
  }

  /**
   * Visits the index entries flushed to RocksDB and those still held here, merged into index
   * order: which of them have been flushed differs from replica to replica (a checkpoint
   * flushes), so the merge is what makes every replica stop at the same entry. An entry in both
   * is visited once. RocksDB drops the slots passed only at the next flush, so the visit starts
   * no lower than this store's cursor.
   */
  @Override
  public void visitDue(ExpiryCursor after, long toSlot, int limit, DueVisitor visitor) {
    if (after.slot() < expiryCursor.slot()) {
      after = ExpiryCursor.at(expiryCursor.slot());
    }
    List<Due> flushed = new ArrayList<>();
    durable.visitDue(after, toSlot, limit, (slot, key) -> flushed.add(new Due(slot, key)));
    if (flushed.isEmpty()) {
      pendingDue.visit(after, toSlot, limit, visitor);
      return;
    }
    List<Due> held = new ArrayList<>();
    pendingDue.visitInOrder(after, toSlot, limit, (slot, key) -> held.add(new Due(slot, key)));
    int f = 0;
    int h = 0;
    for (int visited = 0; visited < limit && (f < flushed.size() || h < held.size()); visited++) {
      Due next;
      if (h == held.size()) {
        next = flushed.get(f++);
      } else if (f == flushed.size()) {
        next = held.get(h++);
      } else {
        int order = flushed.get(f).compareTo(held.get(h));
        next = order <= 0 ? flushed.get(f++) : held.get(h++);
        if (order == 0) {
          h++;
        }
      }
      visitor.visit(next.slot(), next.key());
    }
  }

  @Override
  public ExpiryCursor expiryCursor() {
    return expiryCursor;
  }

  /** One expiry index entry, ordered as the index is. */
  private record Due(long slot, byte[] key) implements Comparable<Due> {
    @Override
    public int compareTo(Due other) {
      int bySlot = Long.compare(slot, other.slot);
      return bySlot != 0 ? bySlot : Arrays.compareUnsigned(key, other.key);
    }
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
    for (Map.Entry<BucketKey, BucketState> e : pending.entrySet()) {
      batch.put(e.getKey(), e.getValue() == DELETED ? null : e.getValue());
    }
    pendingDue.forEach((key, slot) -> batch.expireAt(slot, key));
    batch.expiryCursor(expiryCursor);
    durable.commit(batch, flushedMarker);
    pending.clear();
    pendingDue.clear();
    pendingStateBytes = 0;
  }

  /** Closes RocksDB without flushing: what is held here is rebuilt from the log on restart. */
  @Override
  public void close() {
    pending.clear();
    pendingDue.clear();
    pendingStateBytes = 0;
    durable.close();
  }
}
