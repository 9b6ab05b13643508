package io.raftlimiter.server.runtime;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decisions by the limit they ran under ({@link LimitLabel}): what answers "which limit is
 * refusing", as Envoy's ratelimit service answers it per descriptor. Three series:
 * <ul>
 *   <li>{@code raftlimiter_limit_decisions_total{source,limit,outcome}}, outcome {@code allowed},
 *       {@code rejected} or {@code shadow_refused} (refused by the bucket, answered allowed
 *       because the limit is in shadow mode);
 *   <li>{@code raftlimiter_limit_near_limit_total{source,limit}}: allowed decisions that left at
 *       most a fifth of the bucket, the warning before refusals (Envoy's {@code near_limit}, at its
 *       default ratio of 0.8).
 * </ul>
 * Cardinality is bounded whatever the traffic: at most {@link #MAX_LIMITS} distinct limits are
 * counted on their own; past them a limit is counted as {@link #OTHER} of its source, and names
 * longer than {@link #MAX_NAME_CHARS} are cut. The configured rules and descriptors stay far
 * below that; only Envoy's {@code detailed_metric}, named by request values, can reach it.
 */
public final class LimitMetrics {
  /** Distinct limits counted on their own; a limit first seen after them is counted as other. */
  public static final int MAX_LIMITS = 1_000;
  /** A limit's name is cut to this many characters (a prefix rule may be 4 KiB long). */
  public static final int MAX_NAME_CHARS = 200;
  /** The name of the limits counted together once {@link #MAX_LIMITS} are counted. */
  public static final String OTHER = "(other)";

  private record Series(CounterDataPoint allowed, CounterDataPoint rejected,
      CounterDataPoint shadowRefused, CounterDataPoint nearLimit) {}

  private final Counter decisions;
  private final Counter nearLimit;
  /** By the label as given, at most {@link #MAX_LIMITS} (two may share a cut name's series). */
  private final ConcurrentHashMap<LimitLabel, Series> series = new ConcurrentHashMap<>();
  /** The other series of each source, for limits first seen once the bound was reached. */
  private final ConcurrentHashMap<String, Series> others = new ConcurrentHashMap<>();

  public LimitMetrics(PrometheusRegistry registry) {
    this.decisions = Counter.builder().name("raftlimiter_limit_decisions")
        .help("decisions by the limit they ran under (source: rule, default, request or envoy; "
            + "limit: the rule's prefix or the Envoy descriptor's stat key) and outcome")
        .labelNames("source", "limit", "outcome").register(registry);
    this.nearLimit = Counter.builder().name("raftlimiter_limit_near_limit")
        .help("allowed decisions that left at most a fifth of the bucket, by limit")
        .labelNames("source", "limit").register(registry);
    // Exported at 0 from the start, so that dashboards and alerts find the series before the
    // first decision.
    series(LimitLabel.DEFAULT);
    series(LimitLabel.REQUEST);
  }

  /**
   * Counts a decision under {@code label}.
   *
   * @param allowed whether the bucket allowed it
   * @param shadowRefused refused by the bucket but answered allowed (shadow mode)
   * @param remaining the tokens the decision left
   * @param capacity the bucket's capacity
   */
  public void decided(LimitLabel label, boolean allowed, boolean shadowRefused, long remaining,
      long capacity) {
    Series counted = series(label);
    if (shadowRefused) {
      counted.shadowRefused().inc();
    } else if (allowed) {
      counted.allowed().inc();
      if (remaining <= capacity / 5) {
        counted.nearLimit().inc();
      }
    } else {
      counted.rejected().inc();
    }
  }

  /** Limits counted on their own so far, at most {@link #MAX_LIMITS} (a few more in a race). */
  int limitsCounted() {
    return series.size();
  }

  private Series series(LimitLabel label) {
    Series known = series.get(label);
    if (known != null) {
      return known;
    }
    if (series.size() >= MAX_LIMITS) {
      return others.computeIfAbsent(label.source(), source -> newSeries(source, OTHER));
    }
    // Racing first uses of new limits may pass the bound by a few, never by more than the
    // threads deciding at once.
    return series.computeIfAbsent(label, given -> newSeries(given.source(), cut(given.name())));
  }

  private Series newSeries(String source, String name) {
    return new Series(decisions.labelValues(source, name, "allowed"),
        decisions.labelValues(source, name, "rejected"),
        decisions.labelValues(source, name, "shadow_refused"),
        nearLimit.labelValues(source, name));
  }

  private static String cut(String name) {
    return name.length() <= MAX_NAME_CHARS ? name : name.substring(0, MAX_NAME_CHARS);
  }
}
