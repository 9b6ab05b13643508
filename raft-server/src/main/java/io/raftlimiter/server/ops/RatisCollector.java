package io.raftlimiter.server.ops;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counting;
import org.apache.ratis.thirdparty.com.codahale.metrics.Gauge;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Sampling;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * Ratis' own metrics (log, appenders, elections, state machine, server) of one node, read at
 * scrape time from Ratis' process-wide registries: those whose member id is this node's
 * ({@code n1} or {@code n1@group-...}). Named in Prometheus' conventions by
 * {@link RatisMetricName}: Ratis' {@code ratis.leader_election.n1@group-X.electionCount} becomes
 * {@code ratis_leader_election_election_count_total{member="n1@group-X"}}, and
 * {@code follower_n2_match_index} {@code ratis_log_appender_follower_match_index{peer="n2"}};
 * counters are counters, numeric gauges gauges (elapsed times in seconds), timers summaries in
 * seconds. A metric that cannot be read, or whose name another type already took, is left out
 * rather than failing the scrape.
 */
public final class RatisCollector implements MultiCollector {
  private final String nodeId;
  private final Supplier<? extends Collection<String>> peerIds;

  /**
   * @param peerIds the ids of the cluster's nodes, read at each scrape: Ratis names some metrics
   *     after the peer they are about, and those names are taken apart with these
   */
  public RatisCollector(String nodeId, Supplier<? extends Collection<String>> peerIds) {
    this.nodeId = nodeId;
    this.peerIds = peerIds;
  }

  /** One family being gathered: its kind and data points by member. */
  private record Family(String kind, List<Object> points) {}

  @Override
  public MetricSnapshots collect() {
    Map<String, Family> families = new TreeMap<>();
    Set<String> peers = new HashSet<>(peerIds.get());
    peers.add(nodeId);
    for (RatisMetricRegistry registry : MetricRegistries.global().getMetricRegistries()) {
      MetricRegistryInfo info = registry.getMetricRegistryInfo();
      String member = info.getPrefix();
      if (!(registry instanceof RatisMetricRegistryImpl impl)
          || !(member.equals(nodeId) || member.startsWith(nodeId + "@"))) {
        continue;
      }
      // Ratis names each metric <application>.<component>.<member>.<metric>: the member goes
      // into a label, so that one series family serves every group
      String registryName = info.getApplicationName() + "." + info.getMetricsComponentName()
          + "." + member + ".";
      for (Map.Entry<String, Metric> entry
          : impl.getDropWizardMetricRegistry().getMetrics().entrySet()) {
        String metric = entry.getKey().startsWith(registryName)
            ? entry.getKey().substring(registryName.length()) : entry.getKey();
        RatisMetricName name = RatisMetricName.of(info.getApplicationName(),
            info.getMetricsComponentName(), metric, peers);
        try {
          add(families, name, labels(member, name), entry.getValue());
        } catch (RuntimeException e) {
          // a gauge whose supplier failed: left out of this scrape
        }
      }
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.forEach((name, family) -> {
      try {
        snapshots.add(snapshot(name, family));
      } catch (IllegalArgumentException e) {
        // a name Prometheus reserves (e.g. ending in _created or _info): left out
      }
    });
    return new MetricSnapshots(snapshots);
  }

  private static Labels labels(String member, RatisMetricName name) {
    Labels labels = Labels.of("member", member);
    if (name.peer() != null) {
      labels = labels.add("peer", name.peer());
    }
    if (name.service() != null) {
      labels = labels.add("service", name.service()).add("method", name.method());
      if (name.code() != null) {
        labels = labels.add("code", name.code());
      }
    }
    return labels;
  }

  private static void add(Map<String, Family> families, RatisMetricName ratisName,
      Labels labels, Metric metric) {
    String name = ratisName.name();
    String kind;
    Object point;
    if (metric instanceof Timer timer) {
      Snapshot s = timer.getSnapshot();
      kind = "summary";
      point = SummaryDataPointSnapshot.builder().labels(labels).count(timer.getCount())
          .quantiles(Quantiles.of(new Quantile(0.5, s.getMedian() / 1e9),
              new Quantile(0.99, s.get99thPercentile() / 1e9))).build();
    } else if (metric instanceof Sampling || !(metric instanceof Counting
        || metric instanceof Gauge<?>)) {
      return; // histograms of Ratis' own units, meters: not exported
    } else if (metric instanceof Counting counting) {
      kind = "counter";
      point = CounterDataPointSnapshot.builder().labels(labels).value(counting.getCount())
          .build();
    } else if (((Gauge<?>) metric).getValue() instanceof Number number) {
      kind = "gauge";
      double value = number.doubleValue();
      // scaled to the base unit; Ratis' -1 (none yet) stays -1
      point = GaugeDataPointSnapshot.builder().labels(labels)
          .value(value < 0 ? value : value * ratisName.scale()).build();
    } else {
      return;
    }
    String familyName = kind.equals("summary") ? name + "_seconds"
        : kind.equals("counter") && name.endsWith("_total")
            ? name.substring(0, name.length() - "_total".length()) : name;
    Family family = families.computeIfAbsent(familyName, n -> new Family(kind, new ArrayList<>()));
    if (family.kind().equals(kind)) {
      family.points().add(point);
    }
  }

  private static MetricSnapshot snapshot(String name, Family family) {
    String help = "Ratis metric";
    return switch (family.kind()) {
      case "counter" -> {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        family.points().forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
        yield b.build();
      }
      case "gauge" -> {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        family.points().forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
        yield b.build();
      }
      default -> {
        SummarySnapshot.Builder b = SummarySnapshot.builder().name(name).help(help);
        family.points().forEach(p -> b.dataPoint((SummaryDataPointSnapshot) p));
        yield b.build();
      }
    };
  }
}
