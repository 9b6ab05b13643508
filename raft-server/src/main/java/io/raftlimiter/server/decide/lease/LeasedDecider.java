package io.raftlimiter.server.decide.lease;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.LeaseTerm;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.routing.KeyHash;
import io.raftlimiter.server.data.GroupRouter;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.decide.LocalDecision;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.statemachine.RecentOps;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LEASED decisions. A key that is hot on this node gets a {@link Lease}: the owning group takes a
 * share of the bucket's tokens ({@link OpKind#LEASE}, through its log) and hands them to this node,
 * which then decides locally until they run out or their spendable time is over
 * ({@link io.raftlimiter.bucket.LeaseTerm}). Since every token admitted here left the bucket
 * first, and the bucket counts it out on lease until it can no longer be spent, no interval of
 * length t admits more than {@code C + R·t} across the cluster. Unused tokens are not sent back:
 * the group takes them back when their term ends (a return could arrive after that and count
 * them twice). A lease ends after {@code idle} without use. Cold keys are decided as STRONG.
 *
 * <p>A grant asks for what this node's callers asked of the lease within a spendable time
 * ({@link Lease#askSize}), at most the share {@code max(permits, capacity / (2 × nodes))}: small
 * enough that the other nodes still find tokens in the bucket, large enough that one grant serves
 * many requests.
 */
public final class LeasedDecider implements Decider, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeasedDecider.class);
  private static final int MAX_GRANT_RESENDS = 4;
  private static final long GRANT_RESEND_DELAY_MILLIS = 250;
  /** A third of the window in which the group recognises a repeated op by its id. */
  private static final long GRANT_RESEND_WITHIN_NANOS = RecentOps.WINDOW_NANOS / 3;

  private final GroupRouter router;
  private final IntSupplier nodes;
  private final int hotHitsPerWindow;
  private final long idleNanos;
  private final double drainedWait;
  private final HotKeyCounter hotKeys = new HotKeyCounter(1 << 16);
  private final ConcurrentHashMap<ByteBuffer, Lease> leases = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private final CounterDataPoint grants;
  private final CounterDataPoint tokensGranted;
  private final CounterDataPoint tokensDropped;
  private final CounterDataPoint fallbacks;
  private final CounterDataPoint waits;
  private final DistributionDataPoint grantLatency;
  private final CounterDataPoint taskFailures;

  /**
   * @param hotHitsPerSecond requests per second on this node that make a key hot
   * @param idleMillis how long a lease may go unused before its tokens go back
   * @param drainedWait the longest a lease that emptied the bucket waits before asking again, as
   *     a fraction of a grant's spendable time ({@link Lease#drainedWaitNanos})
   */
  public LeasedDecider(GroupRouter router, IntSupplier nodes,
      int hotHitsPerSecond, long idleMillis, double drainedWait, NodeMetrics metrics) {
    this.router = router;
    this.drainedWait = drainedWait;
    this.nodes = nodes;
    this.hotHitsPerWindow = hotHitsPerSecond;
    this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
    this.grants = metrics.counter("raftlimiter_lease_grants", "LEASED grants taken from groups");
    this.tokensGranted = metrics.counter("raftlimiter_lease_tokens_granted",
        "tokens granted to this node's leases");
    this.tokensDropped = metrics.counter("raftlimiter_lease_tokens_dropped",
        "leased tokens dropped unspent (they stay charged to their buckets)");
    this.fallbacks = metrics.counter("raftlimiter_lease_strong_fallbacks",
        "LEASED acquires a fresh grant could not serve, decided through the log");
    this.waits = metrics.counter("raftlimiter_lease_waits",
        "LEASED acquires that waited for a lease grant");
    this.grantLatency = metrics.timer("raftlimiter_lease_grant_seconds",
        "time from asking a group for a lease grant to its answer");
    metrics.gauge("raftlimiter_lease_active", "keys this node holds a lease on", leases::size);
    this.timer = DaemonThreads.timer("raftlimiter-leases");
    this.taskFailures = metrics.taskFailures();
    DaemonThreads.every(timer, "rotate hot-key counts", 1, 1, TimeUnit.SECONDS, taskFailures,
        hotKeys::rotate);
    long sweepMillis = Math.max(10, idleMillis / 4);
    DaemonThreads.every(timer, "end idle leases", sweepMillis, sweepMillis, TimeUnit.MILLISECONDS,
        taskFailures, this::endIdleLeases);
  }

  @Override
  public CompletableFuture<Decision> decide(BucketOp op) {
    return decide(op, GroupCommitter.NO_DEADLINE);
  }

  /**
   * Decides {@code op}; when the group decides it (a cold key, or a lease that could not serve
   * it), the op goes with the caller's deadline, exactly as a STRONG acquire does, so that an op
   * the caller has stopped waiting for is dropped before the log instead of taking tokens.
   */
  @Override
  public CompletableFuture<Decision> decide(BucketOp op, long deadlineNanos) {
    if (op.permits() > leasablePermits(op.limit())) {
      return asStrong(op, deadlineNanos);
    }
    ByteBuffer key = ByteBuffer.wrap(op.key());
    Lease lease = leases.get(key);
    if (lease == null) {
      if (hotKeys.record(KeyHash.of(op.key())) < hotHitsPerWindow) {
        return asStrong(op, deadlineNanos);
      }
      long now = System.nanoTime();
      lease = leases.computeIfAbsent(key, k -> new Lease(op.key(), op.limit(), now));
    }
    return decideWith(lease, op, true, deadlineNanos);
  }

  private CompletableFuture<Decision> asStrong(BucketOp op, long deadlineNanos) {
    try {
      return router.submitAll(router.groupOf(op.key()), List.of(op), deadlineNanos).get(0);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private CompletableFuture<Decision> decideWith(Lease lease, BucketOp op, boolean mayWait,
      long deadlineNanos) {
    long now = System.nanoTime();
    CompletableFuture<Void> grant;
    boolean startGrant = false;
    synchronized (lease) {
      if (lease.retired()) {
        return decide(op, deadlineNanos); // the lease ended under us: look again
      }
      lease.reconcile(op.limit());
      if (mayWait) {
        // not again when it comes back after a grant
        lease.noteDemand(op.permits(), LeaseTerm.spendableNanos(op.limit()), now);
      }
      Decision local = lease.tryTake(op.permits(), now);
      if (local != null) {
        // Ask ahead of need, and always when the lease cannot serve this request's permits: a
        // refusal from a lease that is never topped up would last as long as the key stays busy.
        if (lease.wantsTopUp(Math.max(op.permits(), share(op) / 2), now)) {
          topUp(lease, op);
        }
        return LocalDecision.of(local);
      }
      if (!mayWait) {
        fallbacks.inc();
        grant = null;
      } else if (lease.pendingGrant() != null) {
        grant = lease.pendingGrant();
      } else {
        grant = new CompletableFuture<>();
        lease.grantStarted(grant);
        startGrant = true;
      }
    }
    if (grant == null) {
      // a fresh grant was not enough (others took the tokens first): the group decides
      return asStrong(op, deadlineNanos);
    }
    if (startGrant) {
      requestGrant(lease, op, grant);
    }
    waits.inc();
    return grant.thenCompose(ignored -> decideWith(lease, op, false, deadlineNanos));
  }

  /** Asks for more tokens ahead of need; called holding the lease's monitor. */
  private void topUp(Lease lease, BucketOp op) {
    CompletableFuture<Void> grant = new CompletableFuture<>();
    lease.grantStarted(grant);
    try {
      // sent from the timer thread, so that the request that noticed does not wait for it
      timer.execute(DaemonThreads.guarded("lease top-up", taskFailures,
          () -> requestGrant(lease, op, grant)));
    } catch (RejectedExecutionException closing) {
      lease.grantFailed();
      grant.complete(null);
    }
  }

  /**
   * Asks the group for the lease's share, no more than the lease has room for (tokens beyond the
   * capacity could never be spent here). The ask carries an id: when its answer is lost, the
   * waiting callers go on without it, and the ask is sent again as it was, in the background, so
   * that a share the group did take is recovered ({@link #recoverGrant}) instead of lost.
   */
  private void requestGrant(Lease lease, BucketOp op, CompletableFuture<Void> done) {
    long room;
    long size;
    synchronized (lease) {
      room = lease.room();
      if (room == 0) {
        lease.grantFailed(); // full already: nothing to ask for
      }
      size = lease.askSize(share(op), op.permits(), LeaseTerm.spendableNanos(op.limit()),
          System.nanoTime());
    }
    if (room == 0) {
      done.complete(null);
      return;
    }
    BucketOp ask = op.as(OpKind.LEASE, Math.min(size, room)).withId(newId());
    long sentNanos = System.nanoTime();
    router.submit(ask).whenComplete((decision, error) -> {
      long excess = 0;
      synchronized (lease) {
        if (error != null) {
          lease.grantFailed();
        } else if (lease.retired()) {
          excess = decision.granted(); // the lease ended while the grant was in flight
        } else {
          excess = lease.granted(ask.limit(), decision.granted(), emptiedFor(ask, decision),
              sentNanos, System.nanoTime());
        }
      }
      if (error == null) {
        NodeMetrics.observeNanos(grantLatency, System.nanoTime() - sentNanos);
        grants.inc();
        tokensGranted.inc(decision.granted());
        tokensDropped.inc(excess);
      } else {
        LOG.debug("lease grant failed", error);
        if (!Decider.tookNothing(error)) {
          recoverGrant(lease, ask, sentNanos, 1);
        }
      }
      done.complete(null);
    });
  }

  /** How long the lease refuses after {@code decision}; 0 when it left the bucket a token. */
  private long emptiedFor(BucketOp ask, Decision decision) {
    if (decision.retryAfterMillis() <= 0) {
      return 0;
    }
    long maxWait = (long) (drainedWait * LeaseTerm.spendableNanos(ask.limit()));
    return Lease.drainedWaitNanos(TimeUnit.MILLISECONDS.toNanos(decision.retryAfterMillis()),
        ask.permits(), ask.limit().refillPerSecond(), maxWait);
  }

  /**
   * Sends a grant whose answer was lost again, under its id: the group answers from the first
   * grant if it took one (and takes nothing new), so its tokens reach the lease, or are dropped
   * if the lease has ended. Resends stop well inside the group's memory of ids; what a grant
   * still unanswered then took comes back to the bucket when its lease term ends.
   */
  private void recoverGrant(Lease lease, BucketOp ask, long firstSentNanos, int attempt) {
    if (attempt > MAX_GRANT_RESENDS
        || System.nanoTime() - firstSentNanos >= GRANT_RESEND_WITHIN_NANOS) {
      LOG.warn("a lease grant of up to {} tokens went unanswered; what it took comes back to "
          + "the bucket when its lease term ends", ask.permits());
      return;
    }
    try {
      timer.schedule(DaemonThreads.guarded("lease grant resend", taskFailures,
          () -> router.submit(ask).whenComplete((decision, error) -> {
            if (error != null) {
              recoverGrant(lease, ask, firstSentNanos, attempt + 1);
              return;
            }
            long excess;
            synchronized (lease) {
              excess = lease.retired() ? decision.granted()
                  : lease.recovered(ask.limit(), decision.granted(), firstSentNanos,
                      System.nanoTime());
            }
            tokensDropped.inc(excess);
          })), GRANT_RESEND_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closing) {
      // closing: what the grant took is lost, as when a node stops holding a lease
    }
  }

  private static byte[] newId() {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    return id;
  }

  /**
   * The most permits a request may take from a lease: what one node's lease can gather, on a
   * busy key, within the time it may spend a grant ({@link LeaseTerm#spendableNanos}, refilled at
   * the key's rate and shared by the nodes), at least one. A larger request is decided by the
   * group: on a key the nodes keep near empty, grants come a token or two at a time and are
   * dropped unspent when their time is up, so a lease would refuse it for as long as the key
   * stays busy while the tokens it gathered went to nobody.
   */
  private long leasablePermits(BucketLimit limit) {
    double gathered = limit.refillPerSecond() * LeaseTerm.spendableNanos(limit) / 1e9
        / Math.max(1, nodes.getAsInt());
    return Math.max(1, (long) gathered);
  }

  private long share(BucketOp op) {
    long capacity = op.limit().capacity();
    long share = Math.max(1, capacity / (2L * Math.max(1, nodes.getAsInt())));
    return Math.min(capacity, Math.max(op.permits(), share));
  }

  private void endIdleLeases() {
    long now = System.nanoTime();
    for (var entry : leases.entrySet()) {
      Lease lease = entry.getValue();
      synchronized (lease) {
        if (!lease.expired(now, idleNanos)) {
          continue;
        }
        leases.remove(entry.getKey(), lease);
        tokensDropped.inc(lease.surrender());
      }
    }
  }

  /** Keys this node holds a lease on. */
  public int leases() {
    return leases.size();
  }

  /** Tokens held on lease here, over all keys. */
  public long leasedTokens() {
    long held = 0;
    for (Lease lease : leases.values()) {
      synchronized (lease) {
        held += lease.tokens();
      }
    }
    return held;
  }

  /** Stops at once, giving nothing back: what a crash does (for tests that stand in for one). */
  public void abandon() {
    timer.shutdownNow();
    leases.clear();
  }

  /** Ends every lease; the group takes their tokens back when their terms end. */
  @Override
  public void close() {
    timer.shutdownNow();
    for (Lease lease : leases.values()) {
      synchronized (lease) {
        tokensDropped.inc(lease.surrender());
      }
    }
    leases.clear();
  }
}
