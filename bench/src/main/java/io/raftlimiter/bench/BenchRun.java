package io.raftlimiter.bench;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.cluster.ClusterKind;
import io.raftlimiter.bench.cluster.ClusterSpec;
import io.raftlimiter.bench.cluster.ProcessCluster;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.bench.cluster.ScratchDirectory;
import io.raftlimiter.bench.floor.RaftFloor;
import io.raftlimiter.bench.load.ClientKind;
import io.raftlimiter.bench.load.Clients;
import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.measure.MedianRun;
import io.raftlimiter.bench.measure.RaftEntryCounter;
import io.raftlimiter.bench.measure.ResourceProbe;
import io.raftlimiter.bench.measure.ResourceUsage;
import io.raftlimiter.bench.measure.WarmupCurve;
import io.raftlimiter.bench.redis.RedisBaseline;
import io.raftlimiter.bench.redis.RedisServer;
import io.raftlimiter.bench.report.PhaseResult;
import io.raftlimiter.bench.report.Warmup;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link BenchPlan}: each raftlimiter mode through each client kind on one cluster (per
 * group count), then each Redis row on a fresh server, one after the other on the same machine,
 * so the rows compare as ratios within the run.
 *
 * <p>A cluster is warmed up once for all its targets: until throughput settles for node processes
 * and existing clusters ({@link SettlingWarmup}), for a fixed time shared out over the targets for
 * the embedded cluster. Then every target gets a short warm-up of its own and {@code runs}
 * measured phases, of which the median is reported ({@link MedianRun}). CPU is read around each
 * phase: of the serving side (node processes, the embedded cluster's JVM, redis-server) and, when
 * it is a process apart, of the load generator, which must stay far from a full core's worth per
 * core for the figures to be the server's.
 */
final class BenchRun {
  /** One measured phase with the CPU and the Raft entries (-1: unknown) read around it. */
  private record Run(PhaseRunner.Measured measured, ResourceUsage serving,
      ResourceUsage generator, PhaseResult.Kill kill, long raftEntries) {}

  /** A mode through a client kind, named for its row. */
  private record Planned(String mode, ClientKind client, SettlingWarmup.Labelled target) {}

  private final BenchPlan plan;
  private final PhaseRunner runner;
  private final PrintStream log;
  private final List<Warmup> warmups = new ArrayList<>();

  BenchRun(BenchPlan plan, PhaseRunner runner, PrintStream log) {
    this.plan = plan;
    this.runner = runner;
    this.log = log;
  }

  /** How each cluster's warm-up went; complete once {@link #run()} returns. */
  List<Warmup> warmups() {
    return warmups;
  }

  List<PhaseResult> run() throws Exception {
    List<PhaseResult> rows = new ArrayList<>();
    if (!plan.modes().isEmpty()) {
      if (plan.cluster() == ClusterKind.EXISTING) {
        rows.addAll(existing());
      } else {
        for (int set = 0; set < plan.settingSets().size(); set++) {
          for (String jvmOptions : plan.nodeJvmOptions()) {
            for (int groups : plan.groupCounts()) {
              rows.addAll(plan.cluster() == ClusterKind.PROCESS
                  ? processes(groups, jvmOptions, set) : embedded(groups));
            }
          }
        }
      }
    }
    if (plan.raftFloorOps() > 0) {
      rows.add(raftFloor());
    }
    for (RedisBaseline baseline : plan.redis()) {
      rows.add(redis(baseline));
    }
    return rows;
  }

  /**
   * The floor of a Raft entry ({@link RaftFloor}), on node processes of the first JVM option set,
   * warmed up like a cluster and measured in the same load shape.
   */
  private PhaseResult raftFloor() throws Exception {
    String name = "raft floor";
    try (ScratchDirectory dir = new ScratchDirectory("raftlimiter-raft-floor-");
        RaftFloor floor = RaftFloor.start(plan.nodes(), plan.nodeJvmOptions().get(0),
            dir.path(), plan.raftFloorOps(), log)) {
      ResourceProbe nodes = ResourceProbe.processes(floor.pids(),
          plan.nodes() + " raft floor processes, pids " + floor.pids());
      warmUp(name, List.of(new SettlingWarmup.Labelled(name, floor)), new WarmupCurve(),
          System.nanoTime());
      runner.warmUp(name, floor, plan.modeWarmupSeconds());
      Run run = measure(name, floor, nodes, loadGenerator(), null, null);
      return new PhaseResult(name, "ratis", "NOOP", "ratis-client", 1,
          run.measured().measurement(), run.serving(), run.generator(), null,
          run.measured().unanswered(), null, run.measured().measurement().decisions());
    }
  }

  /** @param set which of the plan's setting sets, from 0 */
  private List<PhaseResult> processes(int groups, String jvmOptions, int set) throws Exception {
    Map<String, String> settings = new LinkedHashMap<>(plan.settings());
    settings.putAll(plan.settingSets().get(set));
    ClusterSpec spec = new ClusterSpec(plan.nodes(), groups, plan.capacity(),
        plan.refillPerSecond(), settings, jvmOptions, false);
    log.printf("starting %d node processes, %d group(s), JVM options %s, settings %s: %s "
        + "cluster up...%n", plan.nodes(), groups,
        jvmOptions == null ? "rlctl's default" : "'" + jvmOptions + "'", settings, plan.rlctl());
    try (ProcessCluster cluster = ProcessCluster.start(new Rlctl(plan.rlctl()), spec, log)) {
      log.printf("node processes: %s%n", cluster.nodes());
      ResourceProbe nodes = ResourceProbe.processes(cluster.pids(),
          plan.nodes() + " node processes, pids " + cluster.pids());
      return modes(null, cluster.endpoints(), groups, rowSuffix(groups, jvmOptions, set), nodes,
          loadGenerator(), cluster.startedNanos());
    }
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
      log.printf("embedded cluster: %d nodes, %d group(s), %s%n", plan.nodes(), groups,
          cluster.endpoints());
      return modes(cluster, cluster.endpoints(), groups, rowSuffix(groups, null, 0),
          ResourceProbe.thisJvm("this JVM: " + plan.nodes() + " nodes and the load generator"),
          null, System.nanoTime());
    }
  }

  private List<PhaseResult> existing() throws Exception {
    log.printf("existing cluster: %s%n", plan.endpoints());
    return modes(null, plan.endpoints(), 0, "", null, loadGenerator(), System.nanoTime());
  }

  private static ResourceProbe loadGenerator() {
    return ResourceProbe.thisJvm("the load generator (the bench's JVM)");
  }

  /**
   * Every mode through every client kind on one cluster.
   *
   * @param cluster the embedded cluster, for --kill-at; else null
   * @param serving the nodes' processes, or null when they cannot be seen (an existing cluster)
   * @param generator the load generator's process when apart from the nodes, else null
   * @param startedNanos when the cluster's start began (now for a cluster that was running):
   *     warm-up times count from it
   */
  private List<PhaseResult> modes(LocalCluster cluster, List<String> endpoints, int groups,
      String suffix, ResourceProbe serving, ResourceProbe generator, long startedNanos)
      throws Exception {
    List<PhaseResult> rows = new ArrayList<>();
    Limit limit = plan.limitInRequest() ? Limit.newBuilder().setCapacity(plan.capacity())
        .setRefillPerSecond(plan.refillPerSecond()).build() : null;
    try (Clients clients = new Clients(endpoints, limit, plan.callDeadline())) {
      RaftEntryCounter entries = clients.raftEntries();
      List<Planned> planned = new ArrayList<>();
      for (Consistency mode : plan.modes()) {
        for (ClientKind client : plan.clients()) {
          String name = BenchPlan.modeName(mode) + " " + client.label() + suffix;
          planned.add(new Planned(BenchPlan.modeName(mode), client,
              new SettlingWarmup.Labelled(name, clients.target(client, mode))));
        }
      }
      if (plan.ping()) {
        planned.add(new Planned(PhaseResult.PING, ClientKind.PLAIN,
            new SettlingWarmup.Labelled("ping" + suffix, clients.ping())));
      }
      WarmupCurve curve = new WarmupCurve();
      warmUp(clusterLabel(groups) + suffix, planned.stream().map(Planned::target).toList(),
          curve, startedNanos);
      List<Warmup.Reached> reached = new ArrayList<>();
      for (Planned p : planned) {
        String name = p.target().label();
        runner.warmUp(name, p.target().target(), plan.modeWarmupSeconds());
        Run run = measure(name, p.target().target(), serving, generator, cluster, entries);
        rows.add(new PhaseResult(name, "raftlimiter", p.mode(), p.client().label(), groups,
            run.measured().measurement(), run.serving(), run.generator(), null,
            run.measured().unanswered(), run.kill(), run.raftEntries()));
        reached.add(new Warmup.Reached(name, curve.reached(name, Warmup.REACHED_FRACTION,
            run.measured().measurement().decisionsPerSecond()).orElse(Double.NaN)));
      }
      if (plan.cluster() != ClusterKind.EMBEDDED) { // an embedded warm-up records no windows
        int last = warmups.size() - 1;
        warmups.set(last, warmups.get(last).withReached(reached));
      }
    }
    return rows;
  }

  /** What tells this cluster's rows apart from the other clusters' of the run, if any. */
  private String rowSuffix(int groups, String jvmOptions, int set) {
    String suffix = plan.groupCounts().size() > 1 ? " g" + groups : "";
    if (plan.nodeJvmOptions().size() > 1) {
      suffix += " " + BenchPlan.jvmLabel(plan.nodeJvmOptions(),
          plan.nodeJvmOptions().indexOf(jvmOptions));
    }
    return plan.settingSets().size() > 1 ? suffix + " set" + (set + 1) : suffix;
  }

  private String clusterLabel(int groups) {
    return switch (plan.cluster()) {
      case EXISTING -> "existing cluster";
      case PROCESS, EMBEDDED -> groups + (groups == 1 ? " group" : " groups");
    };
  }

  private void warmUp(String cluster, List<SettlingWarmup.Labelled> targets, WarmupCurve curve,
      long originNanos) throws Exception {
    if (plan.cluster() != ClusterKind.EMBEDDED) {
      warmups.add(new SettlingWarmup(runner, plan.settle(), log, curve, originNanos)
          .run(cluster, targets));
      return;
    }
    double share = plan.warmupSeconds() / targets.size();
    for (SettlingWarmup.Labelled t : targets) {
      runner.warmUp(t.label(), t.target(), share);
    }
    warmups.add(new Warmup(cluster, plan.warmupSeconds(), Warmup.Outcome.FIXED));
  }

  /** {@code plan.runs()} measured phases of one target; the median one by decisions/s. */
  private Run measure(String name, Target target, ResourceProbe serving, ResourceProbe generator,
      LocalCluster cluster, RaftEntryCounter entries) throws Exception {
    List<Run> runs = new ArrayList<>();
    for (int i = 1; i <= plan.runs(); i++) {
      String label = plan.runs() == 1 ? name : name + " run " + i + "/" + plan.runs();
      ResourceProbe.Reading servingBefore = serving == null ? null : serving.read();
      ResourceProbe.Reading generatorBefore = generator == null ? null : generator.read();
      long entriesBefore = entries == null ? -1 : entries.committedEntries();
      AtomicReference<PhaseResult.Kill> kill = new AtomicReference<>();
      KillTimer timer = new KillTimer(cluster, plan.killAtSeconds(), kill, log);
      PhaseRunner.Measured measured;
      try {
        measured = runner.measure(label, target, plan.seconds());
      } finally {
        timer.cancel();
      }
      double seconds = measured.measurement().seconds();
      ResourceUsage servingUsage =
          serving == null ? null : serving.usageSince(servingBefore, seconds);
      ResourceUsage generatorUsage =
          generator == null ? null : generator.usageSince(generatorBefore, seconds);
      long entriesAfter = entries == null ? -1 : entries.committedEntries();
      runs.add(new Run(measured, servingUsage, generatorUsage, kill.get(),
          entriesBefore < 0 || entriesAfter < 0 ? -1 : entriesAfter - entriesBefore));
      if (kill.get() != null) {
        restartStopped(cluster);
      }
      warnIfGeneratorBusy(label, runs.get(runs.size() - 1).generator());
    }
    return MedianRun.of(runs, r -> r.measured().measurement().decisionsPerSecond());
  }

  /** Past half the machine's cores, the load generator may be what limits the rate. */
  private void warnIfGeneratorBusy(String label, ResourceUsage generator) {
    int cores = Runtime.getRuntime().availableProcessors();
    if (generator != null && generator.cpuCores() > cores / 2.0) {
      log.printf(Locale.ROOT, "%s: warning: the load generator used %.2f of %d cores; the rate "
          + "may be its limit, not the server's%n", label, generator.cpuCores(), cores);
    }
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

  private PhaseResult redis(RedisBaseline baseline) throws Exception {
    String name = baseline.rowName();
    String mode = baseline.persistence().name();
    if (!RedisServer.available(plan.redisBinary())) {
      String why = "'" + plan.redisBinary() + "' not found (scripts/bench installs redis-server)";
      log.println(name + ": skipped, " + why);
      return PhaseResult.skipped(name, baseline.system(), mode, why);
    }
    try (RedisServer server = RedisServer.start(plan.redisBinary(), baseline.persistence());
        Target target = baseline.open(server.port(), plan.redisConnections(), plan.capacity(),
            plan.refillPerSecond())) {
      log.printf("%s: redis-server on 127.0.0.1:%d%n", name, server.port());
      ResourceProbe probe = ResourceProbe.processes(List.of(server.process().pid()),
          "redis-server");
      runner.warmUp(name, target, plan.modeWarmupSeconds());
      Run run = measure(name, target, probe, loadGenerator(), null, null);
      return new PhaseResult(name, baseline.system(), mode, null, 0,
          run.measured().measurement(), run.serving(), run.generator(), null,
          run.measured().unanswered(), null, -1);
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
