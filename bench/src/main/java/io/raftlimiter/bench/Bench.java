package io.raftlimiter.bench;

import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.RaftNode;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Measures decisions/s and latency of an embedded 3-node cluster under a closed-loop load. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Closed-loop load against an embedded cluster; prints throughput and latency.")
public final class Bench implements Callable<Integer> {
  @Option(names = "--seconds", defaultValue = "10") double seconds;
  @Option(names = "--warmup", defaultValue = "5") double warmup;
  @Option(names = "--concurrency", defaultValue = "64") int concurrency;
  @Option(names = "--keys", defaultValue = "100000") int keys;
  @Option(names = "--batch", defaultValue = "1") int batch;
  @Option(names = "--route", defaultValue = "all", description = "all, leader or follower") String route;
  @Option(names = "--set", description = "Node setting KEY=VALUE") java.util.Map<String, String> settings = new java.util.HashMap<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("raftlimiter-bench-");
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> {
      b.set(NodeConfigKeys.DEFAULT_CAPACITY, 100L).set(NodeConfigKeys.DEFAULT_REFILL, 50.0);
      settings.forEach(b::set);
    })) {
      cluster.awaitLeader(Duration.ofSeconds(30));
      Thread.sleep(1500); // let a first, contested election settle
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      List<String> endpoints = switch (route) {
        case "leader" -> List.of(cluster.endpoints().get(leader));
        case "follower" -> List.of(cluster.endpoints().get((leader + 1) % 3));
        default -> cluster.endpoints();
      };
      try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(endpoints)
          .deadline(Duration.ofSeconds(10)).build()) {
        LoadRun.Result r = new LoadRun(client, concurrency, keys, batch).run(warmup, seconds);
        var h = r.latencyMicros();
        System.out.printf("route=%s concurrency=%d batch=%d: %,.0f decisions/s, calls %,d, errors %d,"
                + " latency us p50=%d p90=%d p99=%d p999=%d max=%d%n", route, concurrency, batch,
            r.decisionsPerSecond(), r.calls(), r.errors(), h.getValueAtPercentile(50),
            h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9),
            h.getMaxValue());
        for (int i = 0; i < cluster.size(); i++) {
          RaftNode node = cluster.node(i);
          var ops = node.metrics().registry().histogram("entries.ops").getSnapshot();
          System.out.printf("  %s%s entries=%d ops/entry mean=%.1f p50=%.0f max=%d%n", node.id(),
              node.isLeader() ? "*" : " ", node.metrics().registry().histogram("entries.ops").getCount(),
              ops.getMean(), ops.getMedian(), ops.getMax());
          var lat = node.metrics().registry().timer("decisions.latency").getSnapshot();
          System.out.printf("     server latency us p50=%.0f p99=%.0f count=%d%n", lat.getMedian() / 1000,
              lat.get99thPercentile() / 1000, node.metrics().registry().timer("decisions.latency").getCount());
        }
      }
    } finally {
      LocalCluster.deleteRecursively(dir);
    }
    return 0;
  }
}
