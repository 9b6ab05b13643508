package io.raftlimiter.server.runtime;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Summary;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftlimiter.server.config.ConsistencyMode;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * A node's metrics, in a Prometheus registry owned by the node (never a static global, so that
 * several nodes in one JVM keep theirs apart): the one source of the node's own metrics, which
 * the Prometheus export, JMX ({@code server.ops}) and the status all read. The planes register
 * their counters, gauges and timers here; a name registered twice gives the same counter, so
 * that every background task counts its failures in one series.
 */
public final class NodeMetrics {
  /** Periodic tasks that threw and were kept running ({@link DaemonThreads}). */
  public static final String TASK_FAILURES = "raftlimiter_background_task_failures";

  private final PrometheusRegistry prometheus = new PrometheusRegistry();
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final CounterDataPoint invalid;
  private final CounterDataPoint unavailable;
  private final CounterDataPoint forwarded;
  private final CounterDataPoint shed;
  private final CounterDataPoint expired;
  private final CounterDataPoint shadowRefused;
  private final CounterDataPoint taskFailures;
  private final DistributionDataPoint opsPerEntry;
  /** Decisions by mode (ordinal) and outcome (0 allowed, 1 rejected). */
  private final CounterDataPoint[][] decisions;
  private final DistributionDataPoint[] latencySeconds;
  private final LimitMetrics limits;

  public NodeMetrics() {
    this.invalid = counter("raftlimiter_requests_invalid", "requests refused INVALID_ARGUMENT");
    this.unavailable = counter("raftlimiter_requests_unavailable",
        "requests answered UNAVAILABLE");
    this.forwarded = counter("raftlimiter_acquires_forwarded",
        "acquires sent on to their group's leader");
    this.shed = counter("raftlimiter_requests_shed",
        "requests shed by admission control (RESOURCE_EXHAUSTED)");
    this.expired = counter("raftlimiter_requests_expired",
        "requests dropped at their deadline (DEADLINE_EXCEEDED)");
    this.shadowRefused = counter("raftlimiter_decisions_shadow_refused",
        "refusals answered as allowed, in shadow mode");
    this.taskFailures = counter(TASK_FAILURES, "periodic tasks that threw and were kept running");
    this.opsPerEntry = io.prometheus.metrics.core.metrics.Histogram.builder()
        .name("raftlimiter_entry_ops")
        .help("ops per log entry this node proposed (its group commit)")
        .classicOnly()
        .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
        .register(prometheus);
    Counter byMode = Counter.builder().name("raftlimiter_decisions")
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

  /**
   * The counter named {@code name} (Prometheus' name without {@code _total}), registered in this
   * node's registry the first time it is asked for.
   */
  public CounterDataPoint counter(String name, String help) {
    return counters.computeIfAbsent(name,
        n -> Counter.builder().name(n).help(help).register(prometheus));
  }

  /** A counter's count so far; 0 for one nobody registered. */
  public long count(String name) {
    Counter counter = counters.get(name);
    return counter == null ? 0 : counter.getLongValue();
  }

  /** A counter read from {@code count} at every scrape, for counts kept elsewhere. */
  public void counterOf(String name, String help, LongSupplier count) {
    CounterWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(count.getAsLong())).register(prometheus);
  }

  /**
   * A counter of seconds ({@code name} ends in {@code _seconds}) read from {@code nanos} at every
   * scrape, for time kept elsewhere in nanoseconds.
   */
  public void secondsCounterOf(String name, String help, LongSupplier nanos) {
    CounterWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(nanos.getAsLong() / 1e9)).register(prometheus);
  }

  /** A gauge read from {@code value} at every scrape. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(value.getAsDouble())).register(prometheus);
  }

  /**
   * A timer: a summary of durations in seconds ({@code name} ends in {@code _seconds}), with the
   * median, 90th and 99th percentiles of the last minute or so.
   */
  public DistributionDataPoint timer(String name, String help) {
    return Summary.builder().name(name).help(help)
        .quantile(0.5, 0.01).quantile(0.9, 0.005).quantile(0.99, 0.001)
        .maxAgeSeconds(TimeUnit.MINUTES.toSeconds(1)).numberOfAgeBuckets(5)
        .register(prometheus);
  }

  /** Records {@code nanos} in {@code timer}, in seconds. */
  public static void observeNanos(DistributionDataPoint timer, long nanos) {
    timer.observe(nanos / 1e9);
  }

  /** Where every periodic task of the node counts its failures. */
  public CounterDataPoint taskFailures() {
    return taskFailures;
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
    return shadowRefused.getLongValue();
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
    return shed.getLongValue();
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
    return forwarded.getLongValue();
  }

  public void entrySubmitted(int ops) {
    opsPerEntry.observe(ops);
  }

  /** Log entries this node proposed (its own group commit, as leader or while no leader is known). */
  public long entriesSubmittedCount() {
    return opsPerEntry.getCount();
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
