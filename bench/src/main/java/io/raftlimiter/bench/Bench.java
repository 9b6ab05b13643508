package io.raftlimiter.bench;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.bench.cluster.ClusterKind;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.bench.load.ClientKind;
import io.raftlimiter.bench.load.LoadGenerator;
import io.raftlimiter.bench.measure.SettleRule;
import io.raftlimiter.bench.redis.RedisBaseline;
import io.raftlimiter.bench.report.HtmlReport;
import io.raftlimiter.bench.report.PhaseResult;
import io.raftlimiter.bench.report.ResultJson;
import io.raftlimiter.bench.report.RunInfo;
import io.raftlimiter.bench.report.SummaryTable;
import io.raftlimiter.bench.workload.Workload;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The benchmark's command line: parses and checks the flags into a {@link BenchPlan}, runs it
 * ({@link BenchRun}) and writes the results: {@code result.json}, {@code report.html} and
 * {@code summary.md} in {@code --out}, and the Markdown table on stdout. Progress goes to stderr.
 * Bad flags exit with 2.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measures raftlimiter's consistency modes, each through a plain gRPC client and "
        + "the Java client, and Redis token buckets under the same workload, one after the "
        + "other in one run; writes JSON, an HTML report with charts, and a Markdown table.",
        "By default the nodes run as processes of their own, started with 'scripts/rlctl "
        + "cluster up' in a temp directory and stopped afterwards; the load comes from this JVM."})
public final class Bench implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--modes", split = ",", defaultValue = "STRONG,EVENTUAL,LEASED",
      description = "raftlimiter modes to measure, in order (STRONG, EVENTUAL, LEASED), or none.")
  List<String> modes;

  @Option(names = "--clients", split = ",", defaultValue = "plain,java",
      description = "Client kinds, each a row per mode: plain (generated gRPC stub, one channel "
          + "per node in turn, no leader routing) and/or java (RateLimiterClient).")
  List<String> clients;

  @Option(names = "--redis", split = ",", defaultValue = "both",
      description = "Redis rows, in order, each on a fresh redis-server: none; plain (the Lua "
          + "token bucket, no persistence, row 'redis'); aof (the same with appendfsync "
          + "everysec, row 'redis aof-everysec'); both (plain,aof); bucket4j (Bucket4j's Lettuce "
          + "proxy manager, no persistence, row 'bucket4j-redis'); all (plain,aof,bucket4j). "
          + "E.g. --redis plain,bucket4j. Skipped with a note when redis-server is missing.")
  List<String> redis;

  @Option(names = "--redis-server", defaultValue = "redis-server",
      description = "The redis-server binary.")
  String redisBinary;

  @Option(names = "--redis-connections", defaultValue = "4",
      description = "Lettuce connections to Redis per row, each a pipeline.")
  int redisConnections;

  @Option(names = "--keys", defaultValue = "100000", description = "Distinct keys (up to 10M).")
  int keys;

  @Option(names = "--distribution", defaultValue = "zipf:0.99",
      description = "uniform, zipf:S (Zipf's law with exponent S > 0) or hot (one key).")
  String distribution;

  @Option(names = "--permits", defaultValue = "1", description = "Permits per decision.")
  long permits;

  @Option(names = "--batch", defaultValue = "1",
      description = "Decisions per call: 1 is Acquire, more is AcquireBatch.")
  int batch;

  @Option(names = "--concurrency", defaultValue = "64",
      description = "Closed loop: calls kept in flight.")
  int concurrency;

  @Option(names = "--rate", defaultValue = "0",
      description = "Open loop: target decisions/s (calls at fixed intended times, latency "
          + "from the intended time). 0 means closed loop.")
  double rate;

  @Option(names = "--max-outstanding", defaultValue = "10000",
      description = "Open loop: most calls in flight before the sender waits.")
  int maxOutstanding;

  @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per target.")
  double seconds;

  @Option(names = "--warmup",
      description = "Process cluster or --endpoints: the most seconds of the warm-up, which runs "
          + "rounds of one window per target until every target's decisions/s settles (default "
          + "180). Embedded cluster: fixed seconds shared over the targets (default 60).")
  Double warmup;

  @Option(names = "--warmup-min", defaultValue = "20",
      description = "The fewest seconds of a warm-up that runs until throughput settles.")
  double warmupMin;

  @Option(names = "--warmup-window", defaultValue = "5",
      description = "Seconds per target and round of that warm-up.")
  double warmupWindow;

  @Option(names = "--warmup-tolerance", defaultValue = "5",
      description = "Settled when every target's decisions/s changed by less than this many "
          + "percent from one round to the next.")
  double warmupTolerancePercent;

  @Option(names = "--mode-warmup", defaultValue = "5",
      description = "Warm-up seconds right before each measured target.")
  double modeWarmup;

  @Option(names = "--runs", defaultValue = "1",
      description = "Measured phases per target (after the one warm-up); the median run by "
          + "decisions/s is reported.")
  int runs;

  @Option(names = "--capacity", defaultValue = "100", description = "Bucket capacity C.")
  long capacity;

  @Option(names = "--refill", defaultValue = "50", description = "Refill R in tokens/s.")
  double refill;

  @Option(names = "--limit-in-request",
      description = "Send C and R in every request instead of setting the nodes' default "
          + "(always on with --endpoints).")
  boolean limitInRequest;

  @Option(names = "--cluster",
      description = "process (default): node processes started with 'scripts/rlctl cluster up', "
          + "as users run them; embedded: nodes inside this JVM (the earlier harness).")
  String cluster;

  @Option(names = "--rlctl",
      description = "The rlctl script for --cluster process (default: $BENCH_RLCTL, set by "
          + "scripts/bench, else scripts/rlctl of the checkout this bench runs from).")
  Path rlctl;

  @Option(names = "--node-jvm-opts",
      description = "JVM options of each node process (default: rlctl's). Repeat it to compare "
          + "option sets (e.g. garbage collectors): the modes run on one fresh cluster per set, "
          + "in turn, and each row names its set.")
  List<String> nodeJvmOptions = new ArrayList<>();

  @Option(names = "--nodes", defaultValue = "3", description = "Cluster size.")
  int nodes;

  @Option(names = "--groups", split = ",", defaultValue = "1",
      description = "Data groups of the cluster; several values (e.g. 1,12) measure the modes on "
          + "one fresh cluster per value, in turn.")
  List<Integer> groupCounts;

  @Option(names = "--set", description = "Node setting KEY=VALUE (repeatable).")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--compare-set", paramLabel = "KEY=VALUE[,KEY=VALUE...]",
      description = "Node settings of one cluster, on top of --set ('' for none). Repeat it to "
          + "compare setting sets in one run: the modes run on one fresh cluster per set, in "
          + "turn, and each row names its set (set1, set2, ...).")
  List<String> compareSets = new ArrayList<>();

  @Option(names = "--endpoints", split = ",",
      description = "host:port of an existing cluster's nodes instead of an embedded cluster.")
  List<String> endpoints = new ArrayList<>();

  @Option(names = "--kill-at", defaultValue = "-1",
      description = "Stop the group-0 leader this many seconds into each measured raftlimiter "
          + "phase (--cluster embedded only; restarted after the phase).")
  double killAt;

  @Option(names = "--deadline-ms", defaultValue = "10000", description = "Client call deadline.")
  long deadlineMillis;

  @Option(names = "--ping", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Also measure a 'ping' row: a grpc.health.v1 Check per call to the same "
          + "nodes, in the same shape (the floor of a gRPC round trip; --no-ping: not). Single "
          + "acquires only: a check stands for one call, not a batch.")
  boolean ping;

  @Option(names = "--raft-floor", defaultValue = "0", paramLabel = "<ops>", description = {
      "Also measure a 'raft floor' row (0, the default: not): node processes started like the "
          + "cluster's around a Ratis state machine that applies nothing, and Ratis' client "
          + "proposing entries of <ops> acquires, one per call: the floor of a Raft entry.",
      "Node processes only."})
  int raftFloorOps;

  @Option(names = "--seed", description = "Seed of the key sampler (default: random).")
  Long seed;

  @Option(names = "--out", defaultValue = "${env:BENCH_OUT:-bench-report}",
      description = "Directory for result.json, report.html and summary.md (default: "
          + "${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--failover-kills", defaultValue = "0",
      description = "Instead of the above: kill the leader of an embedded cluster N times under "
          + "load and report the time from each kill to the next decision (p50/p90/p99/max).")
  int failoverKills;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command with its usage errors reduced to the message and a pointer to --help (exit 2). */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Bench());
    cli.setParameterExceptionHandler((error, args) -> {
      error.getCommandLine().getErr().println("bench: " + error.getMessage());
      error.getCommandLine().getErr().println("Try 'scripts/bench --help'.");
      return CommandLine.ExitCode.USAGE;
    });
    return cli;
  }

  @Override
  public Integer call() throws Exception {
    if (failoverKills > 0) {
      return failover();
    }
    BenchPlan plan = plan();
    List<PhaseResult> rows;
    BenchRun run;
    try (Progress progress = new Progress(System.err)) {
      LoadGenerator generator = new LoadGenerator(plan.workload(), plan.seed(),
          plan.callDeadline().plusSeconds(5));
      String runId = Long.toString(plan.seed() & 0xffffffL, 36);
      PhaseRunner runner = new PhaseRunner(plan.workload(), generator, progress, runId,
          plan.capacity(), plan.refillPerSecond());
      run = new BenchRun(plan, runner, System.err);
      rows = run.run();
    }
    String command = "scripts/bench " + String.join(" ", spec.commandLine().getParseResult()
        .originalArgs());
    RunInfo info = new RunInfo(LocalDate.now().toString(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), command,
        describe(plan), plan.workload().describe(), plan.seconds(),
        plan.cluster() == ClusterKind.EMBEDDED ? plan.warmupSeconds() : plan.settle().maxSeconds(),
        plan.modeWarmupSeconds(), plan.capacity(), plan.refillPerSecond(), plan.settings(),
        plan.runs(), run.warmups());
    Files.createDirectories(out);
    Files.writeString(out.resolve("result.json"), ResultJson.write(info, rows));
    Files.writeString(out.resolve("report.html"), HtmlReport.render(info, rows));
    String markdown = SummaryTable.markdown(info, rows);
    Files.writeString(out.resolve("summary.md"), markdown);
    System.out.println();
    System.out.print(markdown);
    System.err.printf("wrote %s, %s and %s%n", out.resolve("result.json"),
        out.resolve("report.html"), out.resolve("summary.md"));
    return 0;
  }

  private static String settingSetNames(BenchPlan plan) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < plan.settingSets().size(); i++) {
      names.add("set" + (i + 1) + " " + plan.settingSets().get(i));
    }
    return String.join(", ", names);
  }

  private static boolean knownSetting(String key) {
    return NodeConfigKeys.ALL.stream().anyMatch(k -> k.name().equals(key))
        || key.startsWith("ratis.");
  }

  private static String describe(BenchPlan plan) {
    return switch (plan.cluster()) {
      case PROCESS -> String.format(Locale.ROOT, "%d node processes (rlctl cluster up) on "
          + "loopback, group(s) %s, node JVM options %s%s, load from the bench's JVM",
          plan.nodes(), plan.groupCounts(), plan.nodeJvmOptions().stream()
              .map(o -> o == null ? "rlctl's default" : "'" + o + "'").toList(),
          plan.settingSets().size() > 1 ? ", setting sets " + settingSetNames(plan) : "");
      case EMBEDDED -> String.format(Locale.ROOT, "embedded %d-node cluster in this JVM on "
          + "loopback, group(s) %s", plan.nodes(), plan.groupCounts());
      case EXISTING -> "cluster at " + plan.endpoints();
    };
  }

  /** Checks the flags together; a bad one is a usage error (exit 2). */
  BenchPlan plan() {
    List<Consistency> parsedModes = new ArrayList<>();
    for (String mode : modes) {
      String name = mode.trim().toUpperCase(Locale.ROOT);
      if (name.equals("NONE")) {
        continue;
      }
      try {
        Consistency consistency = Consistency.valueOf("CONSISTENCY_" + name);
        if (consistency == Consistency.CONSISTENCY_UNSPECIFIED) {
          throw new IllegalArgumentException();
        }
        parsedModes.add(consistency);
      } catch (IllegalArgumentException e) {
        throw usage("--modes: unknown mode '" + mode + "'; use STRONG, EVENTUAL, LEASED or none");
      }
    }
    List<RedisBaseline> redisRows;
    try {
      redisRows = RedisBaseline.parse(redis);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    List<ClientKind> clientKinds = new ArrayList<>();
    ClusterKind clusterKind;
    try {
      for (String client : clients) {
        ClientKind kind = ClientKind.parse(client);
        if (!clientKinds.contains(kind)) {
          clientKinds.add(kind);
        }
      }
      clusterKind = cluster == null ? ClusterKind.PROCESS : ClusterKind.parse(cluster);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    require(cluster == null || endpoints.isEmpty(),
        "--cluster and --endpoints exclude each other: --endpoints measures an existing cluster");
    if (!endpoints.isEmpty()) {
      clusterKind = ClusterKind.EXISTING;
    }
    Workload workload;
    try {
      workload = new Workload(keys, distribution, permits, batch, concurrency, rate,
          maxOutstanding);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    if (keys > 10_000_000) {
      throw usage("--keys must be at most 10,000,000, got " + keys);
    }
    require(seconds > 0 && seconds <= 1800, "--seconds must be in (0, 1800]");
    double warmupSeconds = warmup != null ? warmup : clusterKind == ClusterKind.EMBEDDED ? 60 : 180;
    require(warmupSeconds >= 0 && modeWarmup >= 0, "--warmup and --mode-warmup must be >= 0");
    require(clusterKind == ClusterKind.EMBEDDED || (warmupMin >= 0 && warmupMin <= warmupSeconds),
        "--warmup-min must be from 0 to --warmup");
    require(warmupWindow > 0 && warmupWindow <= 600, "--warmup-window must be in (0, 600]");
    require(warmupTolerancePercent > 0 && warmupTolerancePercent < 100,
        "--warmup-tolerance must be a percentage in (0, 100)");
    require(runs >= 1 && runs <= 99, "--runs must be 1 to 99");
    require(capacity >= 1, "--capacity must be at least 1");
    require(refill > 0 && Double.isFinite(refill), "--refill must be > 0");
    require(nodes >= 1 && nodes <= 9, "--nodes must be 1 to 9");
    require(groupCounts.stream().allMatch(g -> g >= 1 && g <= 1024),
        "--groups values must be 1 to 1024");
    require(nodeJvmOptions.isEmpty() || clusterKind == ClusterKind.PROCESS,
        "--node-jvm-opts needs node processes (--cluster process)");
    require(nodeJvmOptions.stream().noneMatch(String::isBlank), "--node-jvm-opts: empty value");
    require(raftFloorOps >= 0 && raftFloorOps <= 10_000, "--raft-floor must be 0 to 10000 ops");
    require(raftFloorOps == 0 || clusterKind == ClusterKind.PROCESS,
        "--raft-floor needs node processes (--cluster process)");
    require(redisConnections >= 1 && redisConnections <= 64, "--redis-connections must be 1 to 64");
    require(deadlineMillis >= 1, "--deadline-ms must be positive");
    require(killAt < 0 || killAt < seconds, "--kill-at must be within --seconds");
    require(killAt < 0 || clusterKind == ClusterKind.EMBEDDED,
        "--kill-at needs --cluster embedded");
    require(parsedModes.size() + redisRows.size() > 0 || raftFloorOps > 0,
        "nothing to measure: no mode, no Redis, no raft floor");
    for (String endpoint : endpoints) {
      require(endpoint.matches("[^:\\s]+:\\d{1,5}"), "--endpoints: expected host:port, got '"
          + endpoint + "'");
    }
    for (String key : settings.keySet()) {
      require(knownSetting(key), "--set: unknown setting '" + key + "'");
    }
    List<Map<String, String>> settingSets = new ArrayList<>();
    for (String set : compareSets) {
      Map<String, String> parsed = new LinkedHashMap<>();
      for (String pair : set.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        require(eq > 0, "--compare-set: expected KEY=VALUE, got '" + pair + "'");
        String key = pair.substring(0, eq).trim();
        require(knownSetting(key), "--compare-set: unknown setting '" + key + "'");
        parsed.put(key, pair.substring(eq + 1).trim());
      }
      settingSets.add(Map.copyOf(parsed));
    }
    require(settingSets.isEmpty() || clusterKind == ClusterKind.PROCESS,
        "--compare-set needs node processes (--cluster process)");
    if (settingSets.isEmpty()) {
      settingSets.add(Map.of());
    }
    Path rlctlScript = null;
    if (clusterKind == ClusterKind.PROCESS && !parsedModes.isEmpty()) {
      String fromEnv = System.getenv("BENCH_RLCTL");
      rlctlScript = rlctl != null ? rlctl
          : fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : Rlctl.besideBench();
      require(Files.isExecutable(rlctlScript), "--rlctl: " + rlctlScript + " is not an "
          + "executable script (run through scripts/bench, or give --rlctl)");
    }
    SettleRule settle = new SettleRule(warmupWindow, Math.min(warmupMin, warmupSeconds),
        warmupSeconds, warmupTolerancePercent / 100);
    return new BenchPlan(workload, parsedModes, clientKinds, redisRows, redisBinary,
        redisConnections, seconds, warmupSeconds, settle, modeWarmup, runs, capacity, refill,
        limitInRequest || !endpoints.isEmpty(), clusterKind, rlctlScript,
        nodeJvmOptions.isEmpty() ? Collections.singletonList(null) : List.copyOf(nodeJvmOptions), nodes,
        groupCounts, settings, List.copyOf(settingSets), endpoints, killAt,
        Duration.ofMillis(deadlineMillis),
        seed != null ? seed : ThreadLocalRandom.current().nextLong(),
        ping && !parsedModes.isEmpty() && batch == 1, raftFloorOps);
  }

  private void require(boolean condition, String message) {
    if (!condition) {
      throw usage(message);
    }
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private int failover() throws Exception {
    Path dir = Files.createTempDirectory("raftlimiter-bench-");
    int groups = groupCounts.get(0);
    List<Double> millis;
    try (LocalCluster cluster = LocalCluster.start(nodes, dir, b -> {
      b.set(NodeConfigKeys.GROUPS, groups);
      settings.forEach(b::set);
    })) {
      millis = new FailoverRun(cluster).run(failoverKills);
    } finally {
      LocalCluster.deleteRecursively(dir);
    }
    List<Double> measured = millis.stream().filter(m -> !m.isNaN()).toList();
    System.out.printf("%s, %d cores, Java %s, %d nodes in one JVM, %d group(s), settings %s%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"), nodes, groups, settings.isEmpty() ? "default" : settings);
    System.out.println("| kills | no decision within 30 s | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---:|---:|---:|---:|---:|---:|");
    System.out.printf("| %d | %d | %.0f | %.0f | %.0f | %.0f |%n", millis.size(),
        millis.size() - measured.size(), FailoverRun.percentile(measured, 50),
        FailoverRun.percentile(measured, 90), FailoverRun.percentile(measured, 99),
        FailoverRun.percentile(measured, 100));
    return measured.size() == millis.size() ? 0 : 1;
  }
}
