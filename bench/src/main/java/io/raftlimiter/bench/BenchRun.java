package io.raftlimiter.bench;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.load.ClusterTarget;
import io.raftlimiter.bench.cluster.ScratchDirectory;
import io.raftlimiter.bench.measure.ResourceProbe;
import io.raftlimiter.bench.redis.RedisServer;
import io.raftlimiter.bench.redis.RedisTokenBucket;
import io.raftlimiter.bench.report.PhaseResult;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link BenchPlan}: each raftlimiter mode on one cluster (per group count), then each
 * Redis setup on a fresh server, one after the other on the same machine, so the rows compare as
 * ratios within the run. The embedded cluster gets one long warm-up shared out over the modes
 * (the JIT needs about a minute on 2 cores), and every target a short one of its own.
 */
final class BenchRun {
  private final BenchPlan plan;
  private final PhaseRunner runner;
  private final PrintStream log;

  BenchRun(BenchPlan plan, PhaseRunner runner, PrintStream log) {
    this.plan = plan;
    this.runner = runner;
    this.log = log;
  }

  List<PhaseResult> run() throws Exception {
    List<PhaseResult> rows = new ArrayList<>();
    if (!plan.modes().isEmpty()) {
      if (plan.embedded()) {
        for (int groups : plan.groupCounts()) {
          rows.addAll(embedded(groups));
        }
      } else {
        rows.addAll(existing());
      }
    }
    for (RedisServer.Persistence persistence : plan.redis()) {
      rows.add(redis(persistence));
    }
    return rows;
  }

  private List<PhaseResult> embedded(int groups) throws Exception {
    try (ScratchDirectory dir = new ScratchDirectory("raftlimiter-bench-");
        LocalCluster cluster = LocalCluster.start(plan.nodes(), dir.path(), b -> {
      b.set(NodeConfigKeys.DEFAULT_CAPACITY, plan.capacity())
          .set(NodeConfigKeys.DEFAULT_REFILL, plan.refillPerSecond())
          .set(NodeConfigKeys.GROUPS, groups);
      plan.settings().forEach(b::set);
    })) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      Thread.sleep(1500); // a first, contested election may still move a leader
      log.printf("embedded cluster: %d nodes, %d group(s), %s%n", plan.nodes(), groups,
          cluster.endpoints());
      String suffix = plan.groupCounts().size() > 1 ? " g" + groups : "";
      return modes(cluster, cluster.endpoints(), groups, suffix,
          ResourceProbe.thisJvm("this JVM: " + plan.nodes() + " nodes and the load generator"));
    }
  }

  private List<PhaseResult> existing() throws Exception {
    log.printf("existing cluster: %s%n", plan.endpoints());
    return modes(null, plan.endpoints(), 0, "", null);
  }

  private List<PhaseResult> modes(LocalCluster cluster, List<String> endpoints, int groups,
      String suffix, ResourceProbe probe) throws Exception {
    List<PhaseResult> rows = new ArrayList<>();
    Limit limit = plan.limitInRequest() ? Limit.newBuilder().setCapacity(plan.capacity())
        .setRefillPerSecond(plan.refillPerSecond()).build() : null;
    // Taking turns over the nodes spreads EVENTUAL and LEASED calls (any node decides them);
    // STRONG calls still go to their group's leader.
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(endpoints)
        .roundRobin(true).deadline(plan.callDeadline()).build()) {
      double share = plan.warmupSeconds() / plan.modes().size();
      for (Consistency mode : plan.modes()) {
        runner.warmUp(BenchPlan.modeName(mode), new ClusterTarget(client, mode, limit), share);
      }
      for (Consistency mode : plan.modes()) {
        String name = BenchPlan.modeName(mode) + suffix;
        ClusterTarget target = new ClusterTarget(client, mode, limit);
        runner.warmUp(name, target, plan.modeWarmupSeconds());
        long cpuBefore = probe == null ? -1 : probe.cpuNanos();
        AtomicReference<PhaseResult.Kill> kill = new AtomicReference<>();
        PhaseRunner.Measured measured;
        KillTimer timer = new KillTimer(cluster, plan.killAtSeconds(), kill, log);
        try {
          measured = runner.measure(name, target, plan.seconds());
        } finally {
          timer.cancel();
        }
        rows.add(new PhaseResult(name, "raftlimiter", BenchPlan.modeName(mode), groups,
            measured.measurement(), probe == null ? null
                : probe.usageSince(cpuBefore, measured.measurement().seconds()),
            null, measured.unanswered(), kill.get()));
        if (kill.get() != null) {
          restartStopped(cluster);
        }
      }
    }
    return rows;
  }

  private void restartStopped(LocalCluster cluster) throws Exception {
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.isRunning(i)) {
        cluster.restart(i);
      }
    }
    cluster.awaitLeaders(Duration.ofSeconds(60));
    Thread.sleep(1500);
  }

  private PhaseResult redis(RedisServer.Persistence persistence) throws Exception {
    String name = persistence == RedisServer.Persistence.NONE ? "redis" : "redis aof-everysec";
    if (!RedisServer.available(plan.redisBinary())) {
      String why = "'" + plan.redisBinary() + "' not found (scripts/bench installs redis-server)";
      log.println(name + ": skipped, " + why);
      return PhaseResult.skipped(name, "redis", persistence.name(), why);
    }
    try (RedisServer server = RedisServer.start(plan.redisBinary(), persistence);
        RedisTokenBucket bucket = new RedisTokenBucket("127.0.0.1", server.port(),
            plan.redisConnections(), plan.capacity(), plan.refillPerSecond())) {
      log.printf("%s: redis-server on 127.0.0.1:%d%n", name, server.port());
      ResourceProbe probe = ResourceProbe.processes(List.of(server.process().pid()),
          "redis-server");
      runner.warmUp(name, bucket, plan.modeWarmupSeconds());
      long cpuBefore = probe.cpuNanos();
      PhaseRunner.Measured measured = runner.measure(name, bucket, plan.seconds());
      return new PhaseResult(name, "redis", persistence.name(), 0, measured.measurement(),
          probe.usageSince(cpuBefore, measured.measurement().seconds()), null,
          measured.unanswered(), null);
    }
  }

  /** Stops the group-0 leader once, {@code atSeconds} after it is made, and says which. */
  private static final class KillTimer {
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> task;

    KillTimer(LocalCluster cluster, double atSeconds, AtomicReference<PhaseResult.Kill> kill,
        PrintStream log) {
      if (cluster == null || atSeconds < 0) {
        timer = null;
        task = null;
        return;
      }
      long start = System.nanoTime();
      timer = Executors.newSingleThreadScheduledExecutor();
      task = timer.schedule(() -> {
        int leader = cluster.leaderIndex().orElse(0);
        double at = (System.nanoTime() - start) / 1e9;
        cluster.stop(leader);
        kill.set(new PhaseResult.Kill(at, cluster.config(leader).nodeId()));
        log.printf("stopped node %s (group 0 leader) at %.1f s%n",
            cluster.config(leader).nodeId(), at);
      }, (long) (atSeconds * 1e9), TimeUnit.NANOSECONDS);
    }

    /** Cancels the kill if it is still due; waits for one under way. */
    void cancel() throws InterruptedException {
      if (timer != null) {
        task.cancel(false);
        timer.shutdown();
        timer.awaitTermination(30, TimeUnit.SECONDS);
      }
    }
  }
}
