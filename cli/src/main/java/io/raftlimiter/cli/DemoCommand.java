package io.raftlimiter.cli;

import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The main job on embedded defaults: three real nodes in this JVM, a mixed workload, a leader
 * killed halfway, and a check at the end that no key was admitted beyond its bucket.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Start a 3-node cluster in this JVM (temp dir, free ports), run a mixed "
        + "workload, kill the leader halfway, and check every key stayed within C + R*t."})
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--seconds", defaultValue = "12", description = "Length of the workload (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--kill-leader-at", defaultValue = "-1",
      description = "Second at which the leader is killed (default: halfway; 0: never).")
  int killAtSecond;

  @Option(names = "--concurrency", defaultValue = "64", description = "Calls in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--keys", defaultValue = "10000", description = "Distinct keys besides the 10 hot ones (default ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--capacity", defaultValue = "50", description = "Bucket capacity (default ${DEFAULT-VALUE}).")
  long capacity;

  @Option(names = "--refill", defaultValue = "5", description = "Refill per second (default ${DEFAULT-VALUE}).")
  double refill;

  @Option(names = "--log-level", description = "trace, debug, info, warn or error (default warn).")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    if (seconds < 2 || seconds > 3600) {
      throw new UsageException("--seconds must be from 2 to 3600, got " + seconds);
    }
    if (concurrency < 1 || concurrency > 10_000 || keys < 1) {
      throw new UsageException("--concurrency must be from 1 to 10000 and --keys >= 1");
    }
    int killAt = killAtSecond < 0 ? seconds / 2 : killAtSecond;
    Path dir = Files.createTempDirectory("raftlimiter-demo-");
    System.out.println("raftlimiter demo: starting 3 nodes on 127.0.0.1, data in " + dir);
    System.out.println("  (in this JVM, on 127.0.0.1 only, so without TLS on purpose: "
        + "security.allow-insecure=true)");
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> b
            .set(NodeConfigKeys.DEFAULT_CAPACITY, capacity)
            .set(NodeConfigKeys.DEFAULT_REFILL, refill))) {
      for (int i = 0; i < cluster.size(); i++) {
        System.out.printf("  %s  clients %s  raft %s%n", cluster.config(i).nodeId(),
            cluster.config(i).self().clientAddress(), cluster.config(i).self().raftAddress());
      }
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      System.out.println("  leader elected: " + cluster.config(leader).nodeId());
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(cluster.endpoints())
          .deadline(Duration.ofSeconds(5))
          .build()) {
        DemoWorkload workload = new DemoWorkload(client, concurrency, keys, capacity, refill);
        DemoWorkload.Result result = workload.run(seconds, killAt, cluster, System.out);
        return result.boundHolds() ? 0 : Rlctl.EXIT_FAILURE;
      }
    } finally {
      LocalCluster.deleteRecursively(dir);
    }
  }
}
