package io.raftlimiter.bench;

import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.RaftNode;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures an embedded 3-node cluster (one JVM, loopback) under closed-loop load: per group count,
 * one cluster, one warm-up, then each scenario in turn, so that the scenarios compare as ratios
 * within one run on a shared, noisy machine. Prints a Markdown table for docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Closed-loop load against an embedded 3-node cluster; prints a Markdown table.")
public final class Bench implements Callable<Integer> {
  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per scenario.")
  double seconds;

  @Option(names = "--warmup", defaultValue = "60",
      description = "Warm-up seconds before the first scenario (the JIT needs ~60 s on 2 cores).")
  double warmup;

  @Option(names = "--keys", defaultValue = "100000", description = "Uniformly random keys.")
  int keys;

  @Option(names = "--scenarios", split = ",",
      defaultValue = "single:leader:64,single:follower:64,single:all:64,single:all:256,batch100:all:16",
      description = "SHAPE:ROUTE:CONCURRENCY, SHAPE single or batchN, ROUTE leader, follower or all.")
  List<String> scenarios;

  @Option(names = "--groups", split = ",", defaultValue = "1",
      description = "Data groups; several values (e.g. 1,12) run the scenarios on one fresh "
          + "cluster per value, one after the other.")
  List<Integer> groupCounts;

  @Option(names = "--set", description = "Node setting KEY=VALUE (repeatable).")
  Map<String, String> settings = new HashMap<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  private record Scenario(String name, int batch, String route, int concurrency) {
    static Scenario parse(String text) {
      String[] parts = text.split(":");
      if (parts.length != 3) {
        throw new CommandLine.ParameterException(new CommandLine(new Bench()),
            "scenario must be SHAPE:ROUTE:CONCURRENCY, got " + text);
      }
      int batch = parts[0].equals("single") ? 1 : Integer.parseInt(parts[0].replace("batch", ""));
      return new Scenario(text, batch, parts[1], Integer.parseInt(parts[2]));
    }
  }

  private record Row(int groups, Scenario scenario, LoadRun.Result result, double opsPerEntry) {}

  @Option(names = "--failover-kills", defaultValue = "0",
      description = "Instead of throughput: kill the leader N times under load and report the "
          + "time from each kill to the next decision (p50/p90/p99/max).")
  int failoverKills;

  @Override
  public Integer call() throws Exception {
    if (failoverKills > 0) {
      return failover();
    }
    List<Scenario> parsed = scenarios.stream().map(Scenario::parse).toList();
    List<Row> rows = new ArrayList<>();
    for (int groups : groupCounts) {
      rows.addAll(runCluster(groups, parsed));
    }
    print(rows, System.out);
    return 0;
  }

  private int failover() throws Exception {
    Path dir = Files.createTempDirectory("raftlimiter-bench-");
    int groups = groupCounts.get(0);
    List<Double> millis;
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> {
      b.set(NodeConfigKeys.GROUPS, groups);
      settings.forEach(b::set);
    })) {
      millis = new FailoverRun(cluster).run(failoverKills);
    } finally {
      LocalCluster.deleteRecursively(dir);
    }
    List<Double> measured = millis.stream().filter(m -> !m.isNaN()).toList();
    System.out.printf("%s, %d cores, Java %s, 3 nodes in one JVM, %d group(s), settings %s%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), groups, settings.isEmpty() ? "default" : settings);
    System.out.println("| kills | no decision within 30 s | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    System.out.printf("| %d | %d | %.0f | %.0f | %.0f | %.0f |%n", millis.size(),
        millis.size() - measured.size(), FailoverRun.percentile(measured, 50),
        FailoverRun.percentile(measured, 90), FailoverRun.percentile(measured, 99),
        FailoverRun.percentile(measured, 100));
    return measured.size() == millis.size() ? 0 : 1;
  }

  private List<Row> runCluster(int groups, List<Scenario> parsed) throws Exception {
    Path dir = Files.createTempDirectory("raftlimiter-bench-");
    List<Row> rows = new ArrayList<>();
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> {
      b.set(NodeConfigKeys.DEFAULT_CAPACITY, 100L).set(NodeConfigKeys.DEFAULT_REFILL, 50.0)
          .set(NodeConfigKeys.GROUPS, groups);
      settings.forEach(b::set);
    })) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      Thread.sleep(1500); // a first, contested election may still move a leader
      System.err.printf("%d group(s): warming up for %.0f s ...%n", groups, warmup);
      run(cluster, new Scenario("warmup", 1, "all", 64), warmup, 0);
      for (Scenario scenario : parsed) {
        System.err.println("running " + scenario.name() + " ...");
        long entriesBefore = entries(cluster);
        long opsBefore = ops(cluster);
        LoadRun.Result result = run(cluster, scenario, 2, seconds);
        long entries = entries(cluster) - entriesBefore;
        double opsPerEntry = entries == 0 ? 0 : (double) (ops(cluster) - opsBefore) / entries;
        rows.add(new Row(groups, scenario, result, opsPerEntry));
      }
    } finally {
      LocalCluster.deleteRecursively(dir);
    }
    return rows;
  }

  private LoadRun.Result run(LocalCluster cluster, Scenario scenario, double warm, double measured)
      throws InterruptedException {
    int leader = cluster.awaitLeader(Duration.ofSeconds(30));
    List<String> endpoints = switch (scenario.route()) {
      case "leader" -> List.of(cluster.endpoints().get(leader));
      case "follower" -> List.of(cluster.endpoints().get((leader + 1) % cluster.size()));
      default -> cluster.endpoints();
    };
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(endpoints)
        .deadline(Duration.ofSeconds(10)).build()) {
      return new LoadRun(client, scenario.concurrency(), keys, scenario.batch())
          .run(warm, measured);
    }
  }

  private static long entries(LocalCluster cluster) {
    long total = 0;
    for (int i = 0; i < cluster.size(); i++) {
      total += cluster.node(i).metrics().registry().histogram("entries.ops").getCount();
    }
    return total;
  }

  private static long ops(LocalCluster cluster) {
    long total = 0;
    for (int i = 0; i < cluster.size(); i++) {
      RaftNode node = cluster.node(i);
      total += node.metrics().allowedCount() + node.metrics().rejectedCount();
    }
    return total;
  }

  private void print(List<Row> rows, PrintStream out) {
    out.printf("%n%s, %d cores, Java %s, warm-up %.0f s, %.0f s per scenario, %,d keys, "
            + "settings %s%n%n", LocalDate.now(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), warmup, seconds, keys,
        settings.isEmpty() ? "default" : settings);
    out.println("| groups | scenario (shape:route:calls in flight) | decisions/s | call p50 ms | p90 "
        + "| p99 | p99.9 | decisions per log entry | errors |");
    out.println("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (Row row : rows) {
      Histogram h = row.result().latencyMicros();
      out.printf("| %d | %s | %,.0f | %.2f | %.2f | %.2f | %.2f | %.1f | %d |%n", row.groups(),
          row.scenario().name(),
          row.result().decisionsPerSecond(), h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
          h.getValueAtPercentile(99.9) / 1000.0, row.opsPerEntry(), row.result().errors());
    }
  }
}
