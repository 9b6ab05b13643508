package io.raftlimiter.server.runtime;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

/**
 * A node's metrics, in a registry owned by the node (never a static global, so that several nodes
 * in one JVM keep theirs apart).
 */
public final class NodeMetrics {
  private final MetricRegistry registry;
  private final Meter allowed;
  private final Meter rejected;
  private final Counter invalid;
  private final Counter unavailable;
  private final Counter forwarded;
  private final Counter shed;
  private final Counter expired;
  private final Histogram opsPerEntry;
  private final Timer decisionLatency;

  public NodeMetrics(MetricRegistry registry) {
    this.registry = registry;
    this.allowed = registry.meter("decisions.allowed");
    this.rejected = registry.meter("decisions.rejected");
    this.invalid = registry.counter("requests.invalid");
    this.unavailable = registry.counter("requests.unavailable");
    this.forwarded = registry.counter("acquires.forwarded");
    this.shed = registry.counter("requests.shed");
    this.expired = registry.counter("requests.expired");
    // Updated on every decision: the lock-free reservoir, not the default skip-list one.
    this.opsPerEntry = registry.histogram("entries.ops",
        () -> new Histogram(LockFreeExponentiallyDecayingReservoir.builder().build()));
    this.decisionLatency = registry.timer("decisions.latency",
        () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build()));
  }

  public MetricRegistry registry() {
    return registry;
  }

  public void decided(boolean wasAllowed, long latencyNanos) {
    (wasAllowed ? allowed : rejected).mark();
    decisionLatency.update(latencyNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void invalidRequest() {
    invalid.inc();
  }

  public void unavailable() {
    unavailable.inc();
  }

  /** A call answered RESOURCE_EXHAUSTED: its group's queue was full, nothing was consumed. */
  public void shed() {
    shed.inc();
  }

  public long shedCount() {
    return shed.getCount();
  }

  /** A call answered DEADLINE_EXCEEDED: dropped before its entry, nothing was consumed. */
  public void expired() {
    expired.inc();
  }

  /** Acquires whose group this node does not lead: they go to the leader elsewhere. */
  public void forwarded(int acquires) {
    forwarded.inc(acquires);
  }

  public long forwardedCount() {
    return forwarded.getCount();
  }

  public void entrySubmitted(int ops) {
    opsPerEntry.update(ops);
  }

  /** Log entries this node proposed (its own group commit, as leader or while no leader is known). */
  public long entriesSubmittedCount() {
    return opsPerEntry.getCount();
  }

  public long allowedCount() {
    return allowed.getCount();
  }

  public long rejectedCount() {
    return rejected.getCount();
  }
}
