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
 */
public final class EntryApplier {
  private final BucketStore store;

  public EntryApplier(BucketStore store) {
    this.store = store;
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
      TokenBucket.Outcome outcome = TokenBucket.tryAcquire(stored, op.limit(), op.permits(), nowNanos);
      if (outcome.state().isFull()) {
        if (stored != null) {
          writes.put(key, null); // a full bucket is no bucket
        }
      } else {
        writes.put(key, outcome.state());
      }
      decisions.add(outcome.decision());
    }
    store.commit(writes, new AppliedMarker(term, index, nowNanos));
    return decisions;
  }
}
