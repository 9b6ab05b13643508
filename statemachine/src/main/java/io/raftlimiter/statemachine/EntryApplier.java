package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.TokenBucket;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.BucketKey;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.ExpiryCursor;
import io.raftlimiter.store.ExpirySlots;
import io.raftlimiter.store.WriteSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a log entry to a store: decode is done, this is the pure update. Deterministic: the
 * only inputs are the entry, its term and index, and the store's contents; ops are applied in
 * entry order; time is the entry's stamp, raised to the last applied stamp so that it never runs
 * backwards even if a new leader's clock is behind the old one's.
 *
 * <p>An op with an id that was applied within {@link RecentOps#WINDOW_NANOS} before is answered
 * with its first outcome and not applied again: a retry is never charged twice. A charge batch
 * seen within the window is not applied again either; its charges are answered with their
 * buckets as they are now (what its sender wants from the answer: the tokens left).
 *
 * <p>Expiry goes by time. A full bucket is the same as no bucket, so it is deleted: at once when
 * an op leaves it full, and otherwise when it has refilled. Every bucket stored below capacity is
 * indexed under the {@link ExpirySlots slot} of the time it will be full again; each entry then
 * visits the slots its time has passed since the last entry and deletes those of their buckets
 * that are full by now (a bucket written again since sits in a later slot as well, and is left
 * alone). The index and the slot reached are part of the stored state and move only with the
 * entries' times, so every replica deletes the same buckets at the same log index. Storage
 * follows the keys actually below capacity, and the work is proportional to what expires, where a
 * sweep of the stored keys in key order had to wade through every delete left in RocksDB's
 * memtable.
 *
 * <p>An entry visits at most {@link #MAX_EXPIRY_VISITS} index entries, and the next one resumes
 * where it stopped ({@link ExpiryCursor}). Without the bound, the first entry after a quiet spell
 * longer than many buckets' refill time (a daily quota over millions of keys and a weekend) would
 * delete them all in one write: gigabytes, on every replica at the same index, and again on every
 * replay. A bucket left over that way is full already, so a late delete changes no decision.
 */
public final class EntryApplier {
  /**
   * Index entries one entry's expiry may visit. A constant, not a setting: replicas with different
   * bounds would delete different buckets at the same index. Each visit may read RocksDB, so this
   * bounds what expiry adds to one entry to about 10-25 ms; at a few hundred entries a second it
   * still deletes hundreds of thousands of buckets a second. (4,096 let the entries just after a
   * quiet gap take 100 ms each in the replay soak, docs/RELIABILITY.md.)
   */
  public static final int MAX_EXPIRY_VISITS = 1024;

  private final BucketStore store;
  private final RecentOps recent;
  private final int maxExpiryVisits;

  /**
   * @param recent the outcomes of recent ops with ids, as of the store's applied marker; apply
   *     answers a repeated op from here and records each new one
   */
  public EntryApplier(BucketStore store, RecentOps recent) {
    this(store, recent, MAX_EXPIRY_VISITS);
  }

  /** An applier with a smaller expiry bound, for tests that reach it. */
  EntryApplier(BucketStore store, RecentOps recent, int maxExpiryVisits) {
    this.store = store;
    this.recent = recent;
    this.maxExpiryVisits = maxExpiryVisits;
  }

  /** An applier with no outcomes remembered yet. */
  public EntryApplier(BucketStore store) {
    this(store, new RecentOps());
  }

  /** The outcomes of recent ops with ids, to save with a checkpoint of the store. */
  public RecentOps recentOps() {
    return recent;
  }

  /** The time {@code entry} is applied at: its stamp, never below the last applied stamp. */
  public long effectiveNanos(LogEntry entry) {
    return Math.max(entry.stampNanos(), store.appliedMarker().stampNanos());
  }

  public List<Decision> apply(LogEntry entry, long term, long index) {
    long nowNanos = effectiveNanos(entry);
    WriteSet writes = new WriteSet(entry.ops().size());
    List<Decision> decisions = new ArrayList<>(entry.ops().size());
    recent.expire(nowNanos);
    boolean repeatedBatch = entry.isChargeBatch() && recent.seenBatch(entry, nowNanos);
    for (BucketOp op : entry.ops()) {
      Decision first = recent.recall(op);
      if (first != null) {
        decisions.add(first); // a retry of an op already applied: answered, not applied again
        continue;
      }
      BucketKey key = BucketKey.of(op.key()); // the decoded entry's bytes, changed by nobody
      var stored = writes.contains(key) ? writes.get(key) : store.get(key);
      if (op.kind() == OpKind.PEEK || repeatedBatch) {
        // a look writes nothing; a repeated batch is answered with its buckets as they are
        Decision now = TokenBucket.peek(stored, op.limit(), nowNanos);
        decisions.add(repeatedBatch ? now.asReplayed() : now);
        continue;
      }
      TokenBucket.Outcome outcome = switch (op.kind()) {
        case ACQUIRE -> TokenBucket.tryAcquire(stored, op.limit(), op.permits(), nowNanos);
        case LEASE -> TokenBucket.lease(stored, op.limit(), op.permits(), nowNanos);
        case CHARGE -> TokenBucket.charge(stored, op.limit(), op.permits(), nowNanos);
        case RETURN -> TokenBucket.giveBack(stored, op.limit(), op.permits(), nowNanos);
        case RESET -> TokenBucket.reset(stored, op.limit(), nowNanos);
        case PEEK -> throw new AssertionError("answered above");
      };
      if (tookNothing(op, stored, outcome)) {
        // A refused acquire or lease returns the stored state refilled to now, which any later
        // read refills to exactly (the refill carries its remainder), and the stored state is
        // indexed for expiry already: writing it would change nothing but cost a write and an
        // index entry, for the many refusals of a drained hot key.
        decisions.add(outcome.decision());
        recent.remember(op, outcome.decision(), nowNanos);
        continue;
      }
      if (!outcome.state().isFull()) {
        writes.put(key, outcome.state());
        writes.expireAt(ExpirySlots.slotOf(TokenBucket.fullAtNanos(outcome.state())), key);
      } else if (stored != null) {
        writes.put(key, null); // a read, a return or a reset left it full, and a full bucket is no bucket
      }
      decisions.add(outcome.decision());
      recent.remember(op, outcome.decision(), nowNanos);
    }
    expire(writes, nowNanos);
    store.commit(writes, new AppliedMarker(term, index, nowNanos));
    return decisions;
  }

  /** True when {@code op} was refused on a stored bucket under the same limit. */
  private static boolean tookNothing(BucketOp op, BucketState stored, TokenBucket.Outcome outcome) {
    return (op.kind() == OpKind.ACQUIRE || op.kind() == OpKind.LEASE)
        && !outcome.decision().allowed()
        && stored != null
        && stored.limit().equals(op.limit());
  }

  /**
   * Deletes the buckets indexed in the slots that {@code nowNanos} has passed, if full by now,
   * visiting at most {@link #maxExpiryVisits} index entries, and records how far it got.
   */
  private void expire(WriteSet writes, long nowNanos) {
    ExpiryCursor from = store.expiryCursor();
    long toSlot = ExpirySlots.slotOf(nowNanos);
    if (toSlot <= from.slot()) {
      writes.expiryCursor(from);
      return;
    }
    var reached = new Object() {
      int visits;
      long slot;
      byte[] key;
    };
    store.visitDue(from, toSlot, maxExpiryVisits, (slot, bytes) -> {
      reached.visits++;
      reached.slot = slot;
      reached.key = bytes;
      BucketKey key = BucketKey.of(bytes);
      BucketState state = writes.contains(key) ? writes.get(key) : store.get(key);
      if (state != null && TokenBucket.refill(state, nowNanos).isFull()) {
        writes.put(key, null);
      }
    });
    writes.expiryCursor(reached.visits < maxExpiryVisits
        ? ExpiryCursor.at(toSlot) : new ExpiryCursor(reached.slot, reached.key));
  }
}
