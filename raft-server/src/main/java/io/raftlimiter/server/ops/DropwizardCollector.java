package io.raftlimiter.server.ops;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Sampling;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The node's Dropwizard metrics (its own registry, never a global one) in Prometheus form, read at
 * scrape time: {@code requests.shed} becomes {@code raftlimiter_requests_shed_total}. Counters and
 * meters are counters; numeric gauges are gauges; histograms are summaries of their reservoir
 * (quantiles 0.5, 0.9, 0.99 and a count), timers the same in seconds ({@code eventual.sync}
 * becomes {@code raftlimiter_eventual_sync_seconds}).
 */
public final class DropwizardCollector implements MultiCollector {
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-zA-Z0-9_]");

  private final MetricRegistry registry;

  public DropwizardCollector(MetricRegistry registry) {
    this.registry = registry;
  }

  /** The Prometheus name of Dropwizard metric {@code name}. */
  static String prometheusName(String name) {
    return "raftlimiter_" + NOT_ALLOWED.matcher(name).replaceAll("_");
  }

  @Override
  public MetricSnapshots collect() {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    for (Map.Entry<String, Metric> entry : registry.getMetrics().entrySet()) {
      MetricSnapshot snapshot = snapshot(entry.getKey(), entry.getValue());
      if (snapshot != null) {
        snapshots.add(snapshot);
      }
    }
    return new MetricSnapshots(snapshots);
  }

  /** What the documented ones count; others are described by their Dropwizard name. */
  private static final Map<String, String> HELP = Map.ofEntries(
      Map.entry("requests.invalid", "requests refused INVALID_ARGUMENT"),
      Map.entry("requests.shed", "requests shed by admission control (RESOURCE_EXHAUSTED)"),
      Map.entry("requests.expired", "requests dropped at their deadline (DEADLINE_EXCEEDED)"),
      Map.entry("requests.unavailable", "requests answered UNAVAILABLE"),
      Map.entry("acquires.forwarded", "acquires sent on to their group's leader"),
      Map.entry("background.task-failures", "periodic tasks that threw and were kept running"),
      Map.entry("security.tls-reloads", "TLS files reloaded"),
      Map.entry("envoy.config-reloads", "Envoy descriptor configurations reloaded"),
      Map.entry("envoy.config-reload-failures",
          "Envoy descriptor configuration changes refused (the last good one kept)"),
      Map.entry("controller.moves", "replica moves carried out as the metadata leader"),
      Map.entry("controller.failed-ticks", "controller rounds that failed (retried next tick)"),
      Map.entry("security.tls-reload-failures", "TLS files that changed but could not be loaded"));

  private static MetricSnapshot snapshot(String dropwizardName, Metric metric) {
    String name = prometheusName(dropwizardName);
    String help = HELP.getOrDefault(dropwizardName, "the node's " + dropwizardName);
    if (metric instanceof Sampling sampling && metric instanceof Counting counting) {
      Snapshot reservoir = sampling.getSnapshot();
      // a timer's reservoir holds nanoseconds: exported in seconds, the base unit
      boolean timer = metric instanceof Timer;
      double scale = timer ? 1e-9 : 1;
      return SummarySnapshot.builder().name(timer ? name + "_seconds" : name).help(help)
          .dataPoint(SummaryDataPointSnapshot.builder()
              .count(counting.getCount())
              .quantiles(Quantiles.of(new Quantile(0.5, reservoir.getMedian() * scale),
                  new Quantile(0.9, reservoir.getValue(0.9) * scale),
                  new Quantile(0.99, reservoir.get99thPercentile() * scale)))
              .build())
          .build();
    }
    if (metric instanceof Counting counting) {
      return CounterSnapshot.builder().name(name).help(help)
          .dataPoint(CounterDataPointSnapshot.builder().value(counting.getCount()).build())
          .build();
    }
    if (metric instanceof Gauge<?> gauge && gauge.getValue() instanceof Number number) {
      return GaugeSnapshot.builder().name(name).help(help)
          .dataPoint(GaugeDataPointSnapshot.builder().value(number.doubleValue()).build())
          .build();
    }
    return null;
  }
}
