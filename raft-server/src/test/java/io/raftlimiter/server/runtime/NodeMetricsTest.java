package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The node's one metrics registry: what the planes register there is what a scrape shows. */
class NodeMetricsTest {
  private static String scrape(NodeMetrics metrics) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.prometheus().scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aCounterAskedForTwiceIsOneSeries() throws Exception {
    NodeMetrics metrics = new NodeMetrics();
    assertSame(metrics.counter("raftlimiter_test_things", "things"),
        metrics.counter("raftlimiter_test_things", "things"));
    metrics.counter("raftlimiter_test_things", "things").inc(2);
    metrics.taskFailures().inc();
    assertEquals(2, metrics.count("raftlimiter_test_things"));
    assertEquals(1, metrics.count(NodeMetrics.TASK_FAILURES));
    assertEquals(0, metrics.count("raftlimiter_never_registered"));
    String text = scrape(metrics);
    assertTrue(text.contains("raftlimiter_test_things_total 2.0"), text);
    assertTrue(text.contains("raftlimiter_background_task_failures_total 1.0"), text);
    assertTrue(text.contains("raftlimiter_requests_shed_total 0.0"), "registered at 0: " + text);
  }

  @Test
  void gaugesAreReadAtScrapeTimeAndTimersAreSummariesInSeconds() throws Exception {
    NodeMetrics metrics = new NodeMetrics();
    int[] views = {3};
    metrics.gauge("raftlimiter_test_views", "views", () -> views[0]);
    NodeMetrics.observeNanos(metrics.timer("raftlimiter_test_sync_seconds", "syncs"),
        TimeUnit.MILLISECONDS.toNanos(250));
    views[0] = 5;
    String text = scrape(metrics);
    assertTrue(text.contains("raftlimiter_test_views 5.0"), text);
    assertTrue(text.contains("raftlimiter_test_sync_seconds{quantile=\"0.5\"} 0.25"), text);
    assertTrue(text.contains("raftlimiter_test_sync_seconds_count 1"), text);
    assertTrue(text.contains("raftlimiter_test_sync_seconds_sum 0.25"), text);
  }
}
