package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DropwizardCollectorTest {
  private static MetricSnapshot named(DropwizardCollector collector, String name) {
    return collector.collect().stream().filter(s -> s.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError(name + " not collected"));
  }

  @Test
  void timersAreSummariesInSecondsAndCountersCounters() {
    MetricRegistry registry = new MetricRegistry();
    registry.timer("eventual.sync").update(2, TimeUnit.MILLISECONDS);
    registry.counter("requests.shed").inc(3);
    DropwizardCollector collector = new DropwizardCollector(registry);

    SummarySnapshot sync = (SummarySnapshot) named(collector, "raftlimiter_eventual_sync_seconds");
    var point = sync.getDataPoints().get(0);
    assertEquals(1, point.getCount());
    assertEquals(0.002, point.getQuantiles().get(0).getValue(), 1e-6, "2 ms, in seconds");
    CounterSnapshot shed = (CounterSnapshot) named(collector, "raftlimiter_requests_shed");
    assertEquals(3, shed.getDataPoints().get(0).getValue());
  }
}
