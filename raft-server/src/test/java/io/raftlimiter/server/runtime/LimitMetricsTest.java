package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import org.junit.jupiter.api.Test;

class LimitMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final LimitMetrics metrics = new LimitMetrics(registry);

  /** The count of {@code series} (without _total) with exactly {@code labels}; 0 when absent. */
  private double count(String series, String... labels) {
    Labels wanted = Labels.of(labels);
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals(series))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(p -> p.getLabels().equals(wanted))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  private double decisions(String source, String limit, String outcome) {
    return count("raftlimiter_limit_decisions", "source", source, "limit", limit,
        "outcome", outcome);
  }

  @Test
  void countsEachOutcomeUnderTheLimitItRanUnder() {
    LimitLabel api = LimitLabel.rule("api:");
    metrics.decided(api, true, false, 50, 100);
    metrics.decided(api, false, false, 0, 100);
    metrics.decided(api, false, true, 0, 100);
    metrics.decided(LimitLabel.DEFAULT, true, false, 99, 100);
    metrics.decided(LimitLabel.envoy("edge.remote_address"), false, false, 0, 10);

    assertEquals(1, decisions("rule", "api:", "allowed"));
    assertEquals(1, decisions("rule", "api:", "rejected"));
    assertEquals(1, decisions("rule", "api:", "shadow_refused"));
    assertEquals(1, decisions("default", "", "allowed"));
    assertEquals(1, decisions("envoy", "edge.remote_address", "rejected"));
  }

  @Test
  void nearLimitCountsAllowedDecisionsThatLeftAFifthOrLess() {
    LimitLabel api = LimitLabel.rule("api:");
    metrics.decided(api, true, false, 21, 100); // 79% used: not near
    metrics.decided(api, true, false, 20, 100); // 80% used: near
    metrics.decided(api, true, false, 0, 100);
    metrics.decided(api, false, false, 0, 100); // refused: counted as rejected, not near

    assertEquals(2, count("raftlimiter_limit_near_limit", "source", "rule", "limit", "api:"));
  }

  @Test
  void limitsPastTheBoundAreCountedAsOtherOfTheirSource() {
    int room = LimitMetrics.MAX_LIMITS - metrics.limitsCounted(); // default and request are in
    for (int i = 0; i < room + 500; i++) {
      metrics.decided(LimitLabel.envoy("edge.remote_address_10.0." + i), true, false, 9, 10);
    }
    metrics.decided(LimitLabel.envoy("edge.remote_address_10.0.0"), true, false, 9, 10);

    assertEquals(LimitMetrics.MAX_LIMITS, metrics.limitsCounted());
    assertEquals(500, decisions("envoy", LimitMetrics.OTHER, "allowed"));
    assertEquals(2, decisions("envoy", "edge.remote_address_10.0.0", "allowed"),
        "a limit counted before the bound stays on its own series");
  }

  @Test
  void longNamesAreCut() {
    String longPrefix = "p".repeat(4096);
    metrics.decided(LimitLabel.rule(longPrefix), true, false, 9, 10);
    metrics.decided(LimitLabel.rule(longPrefix), true, false, 9, 10);

    assertEquals(2, decisions("rule", "p".repeat(LimitMetrics.MAX_NAME_CHARS), "allowed"));
  }
}
