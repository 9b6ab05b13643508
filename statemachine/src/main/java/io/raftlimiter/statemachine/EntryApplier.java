package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.TokenBucket;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.WriteSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a log entry to a store: decode is done, this is the pure update. Deterministic: the
 * only inputs are the entry, its term and index, and the store's contents; ops are applied in
 * entry order; time is the entry's stamp, raised to the last applied stamp so that it never runs
 * backwards even if a new leader's clock is behind the old one's.
 *
 * <p>After its ops, every {@code sweepEveryEntries}-th entry (by log index) also sweeps
 * {@code sweepKeys} stored buckets, in key order from a cursor that is stored with the buckets:
 * those that have refilled to full by the entry's time are deleted, since a full bucket is the
 * same as no bucket. So storage follows the keys that are actually below capacity, and because
 * the cursor is part of the replicated state and the schedule depends only on the index, every
 * replica deletes the same buckets at the same log index. Sweeping in pages keeps the cost of
 * positioning a RocksDB iterator (which must skip the tombstones of earlier sweeps) rare.
 */
public final class EntryApplier {
  /** Stored buckets examined per sweep. */
  public static final int DEFAULT_SWEEP_KEYS = 256;
  /** A sweep runs on entries whose index is a multiple of this. */
  public static final int DEFAULT_SWEEP_EVERY_ENTRIES = 16;

  private final BucketStore store;
  private final int sweepKeys;
  private final int sweepEveryEntries;

  public EntryApplier(BucketStore store) {
    this(store, DEFAULT_SWEEP_KEYS, DEFAULT_SWEEP_EVERY_ENTRIES);
  }

  /** Sweeps {@code sweepKeys} buckets after every entry. */
  public EntryApplier(BucketStore store, int sweepKeys) {
    this(store, sweepKeys, 1);
  }

  public EntryApplier(BucketStore store, int sweepKeys, int sweepEveryEntries) {
    if (sweepKeys < 0 || sweepEveryEntries < 1) {
      throw new IllegalArgumentException("sweepKeys must be >= 0 and sweepEveryEntries >= 1, got "
          + sweepKeys + " and " + sweepEveryEntries);
    }
    this.store = store;
    this.sweepKeys = sweepKeys;
    this.sweepEveryEntries = sweepEveryEntries;
  }

  /** The time {@code entry} is applied at: its stamp, never below the last applied stamp. */
  public long effectiveNanos(LogEntry entry) {
    return Math.max(entry.stampNanos(), store.appliedMarker().stampNanos());
  }

  public List<Decision> apply(LogEntry entry, long term, long index) {
    long nowNanos = effectiveNanos(entry);
    WriteSet writes = new WriteSet();
    List<Decision> decisions = new ArrayList<>(entry.ops().size());
    for (AcquireOp op : entry.ops()) {
      byte[] key = op.key();
      var stored = writes.contains(key) ? writes.get(key) : store.get(key);
      TokenBucket.Outcome outcome = switch (op.kind()) {
        case ACQUIRE -> TokenBucket.tryAcquire(stored, op.limit(), op.permits(), nowNanos);
        case LEASE -> TokenBucket.lease(stored, op.limit(), op.permits(), nowNanos);
        case CHARGE -> TokenBucket.charge(stored, op.limit(), op.permits(), nowNanos);
        case RETURN -> TokenBucket.giveBack(stored, op.limit(), op.permits(), nowNanos);
      };
      if (!outcome.state().isFull()) {
        writes.put(key, outcome.state());
      } else if (stored != null) {
        writes.put(key, null); // a read or a return left it full, and a full bucket is no bucket
      }
      decisions.add(outcome.decision());
    }
    if (index % sweepEveryEntries == 0) {
      sweepFullBuckets(writes, nowNanos);
    } else {
      writes.sweepCursor(store.sweepCursor()); // unchanged
    }
    store.commit(writes, new AppliedMarker(term, index, nowNanos));
    return decisions;
  }

  private void sweepFullBuckets(WriteSet writes, long nowNanos) {
    if (sweepKeys == 0) {
      return;
    }
    byte[][] last = {store.sweepCursor()};
    int[] visited = {0};
    store.scan(last[0], sweepKeys, (key, state) -> {
      visited[0]++;
      last[0] = key;
      if (!writes.contains(key) && TokenBucket.refill(state, nowNanos).isFull()) {
        writes.put(key, null);
      }
    });
    // A short page means the end of the keys: the next sweep starts from the first key again.
    writes.sweepCursor(visited[0] < sweepKeys ? null : last[0]);
  }
}
