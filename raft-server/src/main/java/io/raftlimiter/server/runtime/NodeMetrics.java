package io.raftlimiter.server.runtime;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftlimiter.server.config.ConsistencyMode;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * A node's metrics, in registries owned by the node (never a static global, so that several nodes
 * in one JVM keep theirs apart). Most are Dropwizard metrics, which the status and the Prometheus
 * export ({@code server.ops}) both read. Decisions by mode and outcome and their latency are
 * Prometheus metrics only ({@link #prometheus()}), with labels and histogram buckets that
 * Dropwizard has no form for; the status's totals are summed from them, so each decision is
 * counted once.
 */
public final class NodeMetrics {
  private final MetricRegistry registry;
  private final Counter invalid;
  private final Counter unavailable;
  private final Counter forwarded;
  private final Counter shed;
  private final Counter expired;
  private final Counter shadowRefused;
  private final DistributionDataPoint opsPerEntry;
  private final LongAdder entriesSubmitted = new LongAdder();
  private final PrometheusRegistry prometheus = new PrometheusRegistry();
  /** Decisions by mode (ordinal) and outcome (0 allowed, 1 rejected). */
  private final CounterDataPoint[][] decisions;
  private final DistributionDataPoint[] latencySeconds;
  private final LimitMetrics limits;

  public NodeMetrics(MetricRegistry registry) {
    this.registry = registry;
    this.invalid = registry.counter("requests.invalid");
    this.unavailable = registry.counter("requests.unavailable");
    this.forwarded = registry.counter("acquires.forwarded");
    this.shed = registry.counter("requests.shed");
    this.expired = registry.counter("requests.expired");
    this.shadowRefused = registry.counter("decisions.shadow-refused");
    this.opsPerEntry = io.prometheus.metrics.core.metrics.Histogram.builder()
        .name("raftlimiter_entry_ops")
        .help("ops per log entry this node proposed (its group commit)")
        .classicOnly()
        .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
        .register(prometheus);
    io.prometheus.metrics.core.metrics.Counter byMode =
        io.prometheus.metrics.core.metrics.Counter.builder().name("raftlimiter_decisions")
            .help("decisions answered, by consistency mode and outcome")
            .labelNames("mode", "outcome").register(prometheus);
    io.prometheus.metrics.core.metrics.Histogram latency =
        io.prometheus.metrics.core.metrics.Histogram.builder()
            .name("raftlimiter_decision_latency_seconds")
            .help("time from a request's arrival to its decision, by consistency mode")
            .labelNames("mode").classicOnly()
            .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                0.1, 0.25, 0.5, 1, 2.5)
            .register(prometheus);
    this.limits = new LimitMetrics(prometheus);
    BuildInfo build = BuildInfo.current();
    io.prometheus.metrics.core.metrics.Info.builder().name("raftlimiter_build_info")
        .help("the raftlimiter version this node runs and the commit it was built from")
        .labelNames("version", "commit").register(prometheus)
        .setLabelValues(build.version(), build.commit());
    ConsistencyMode[] modes = ConsistencyMode.values();
    this.decisions = new CounterDataPoint[modes.length][2];
    this.latencySeconds = new DistributionDataPoint[modes.length];
    for (ConsistencyMode mode : modes) {
      String name = mode.name().toLowerCase(Locale.ROOT);
      decisions[mode.ordinal()][0] = byMode.labelValues(name, "allowed");
      decisions[mode.ordinal()][1] = byMode.labelValues(name, "rejected");
      latencySeconds[mode.ordinal()] = latency.labelValues(name);
    }
  }

  /** The node's Prometheus registry: its own series, and what {@code server.ops} adds. */
  public PrometheusRegistry prometheus() {
    return prometheus;
  }

  public MetricRegistry registry() {
    return registry;
  }

  public void decided(ConsistencyMode mode, boolean wasAllowed, long latencyNanos) {
    decisions[mode.ordinal()][wasAllowed ? 0 : 1].inc();
    latencySeconds[mode.ordinal()].observe(latencyNanos / 1e9);
  }

  /** Decisions by the limit they ran under. */
  public LimitMetrics limits() {
    return limits;
  }

  /** Decisions this node answered in {@code mode}, allowed or refused, since it started. */
  public long decisions(ConsistencyMode mode, boolean allowed) {
    return decisions[mode.ordinal()][allowed ? 0 : 1].getLongValue();
  }

  public long shadowRefusedCount() {
    return shadowRefused.getCount();
  }

  /** A refusal answered as allowed, in shadow mode ({@code limit.shadow}). */
  public void shadowRefused() {
    shadowRefused.inc();
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
    opsPerEntry.observe(ops);
    entriesSubmitted.increment();
  }

  /** Log entries this node proposed (its own group commit, as leader or while no leader is known). */
  public long entriesSubmittedCount() {
    return entriesSubmitted.sum();
  }

  public long allowedCount() {
    return decisionCount(0);
  }

  public long rejectedCount() {
    return decisionCount(1);
  }

  /** Decisions with {@code outcome} (0 allowed, 1 rejected), summed over the modes. */
  private long decisionCount(int outcome) {
    long sum = 0;
    for (CounterDataPoint[] byOutcome : decisions) {
      sum += byOutcome[outcome].getLongValue();
    }
    return sum;
  }
}
