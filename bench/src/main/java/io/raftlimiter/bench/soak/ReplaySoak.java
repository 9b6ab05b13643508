package io.raftlimiter.bench.soak;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.bench.cluster.ClusterSpec;
import io.raftlimiter.bench.cluster.NodeEndpoints;
import io.raftlimiter.bench.cluster.ProcessCluster;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.bench.measure.ProcStatus;
import io.raftlimiter.server.local.LocalCluster;
import io.raftlimiter.server.security.AdminTokenFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The replay soak: drives the inputs that once crash-looped a group on replay (issue 21) into
 * node processes started as {@code rlctl cluster up} starts them, then restarts every node (once
 * with one node's disk wiped, all started together) and checks that every group comes back, that
 * every replica reaches the same applied index, and that nothing was admitted twice.
 *
 * <ol>
 *   <li>probe keys are drained (STRONG): they must stay refused through everything that follows;
 *   <li>long keys with distinct 64-byte ids, in batches at the batch limit, fill the table of
 *       recent op ids (bounded by {@code RecentOps}) and the expiry index;
 *   <li>many keys are charged with a bucket that is full again after a minute, then nothing is
 *       sent for longer than that: the first entries after the gap expire them all (bounded per
 *       entry by {@code EntryApplier}), and calls must be answered as usual meanwhile;
 *   <li>limit rules of long prefixes are set up to the rule set's bound;
 *   <li>a request repeated under one id takes one token;
 *   <li>all nodes stop, one founding node's disk is wiped, all start together; then all stop and
 *       start again.
 * </ol>
 *
 * <p>It prints the figures (resident memory per node after each stage, the time each restart
 * took to serve again) and exits non-zero when a check fails.
 */
@Command(name = "replay-soak", mixinStandardHelpOptions = true,
    description = "Drive the worst inputs into a process cluster, restart it, check it recovers.")
public final class ReplaySoak implements Callable<Integer> {
  @Option(names = "--expiring-keys", defaultValue = "300000",
      description = "Keys charged before the quiet gap (default ${DEFAULT-VALUE}).")
  int expiringKeys;

  @Option(names = "--quiet-seconds", defaultValue = "75",
      description = "The quiet gap, longer than the 60 s the charged buckets take to refill.")
  int quietSeconds;

  @Option(names = "--long-id-seconds", defaultValue = "20",
      description = "How long batches of long keys with distinct ids are sent.")
  int longIdSeconds;

  @Option(names = "--rules", defaultValue = "2000",
      description = "Limit rules of 500-byte prefixes (2,000 is just under the 1 MiB bound).")
  int rules;

  @Option(names = "--groups", defaultValue = "3", description = "Data groups.")
  int groups;

  @Option(names = "--rlctl", description = "The rlctl script (default: this checkout's).")
  Path rlctlScript;

  private static final int BATCH = 1_000;
  private static final int PROBES = 30;
  private static final Limit PROBE_LIMIT =
      Limit.newBuilder().setCapacity(5).setRefillPerSecond(0.0001).build();
  /** Full again a minute after one take. */
  private static final Limit MINUTE_LIMIT =
      Limit.newBuilder().setCapacity(10).setRefillPerSecond(1.0 / 60).build();

  private final PrintStream out = System.out;
  private final List<String> failures = new ArrayList<>();
  private final List<String> figures = new ArrayList<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new ReplaySoak()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Rlctl rlctl = new Rlctl(rlctlScript != null ? rlctlScript : Rlctl.besideBench());
    ClusterSpec spec = new ClusterSpec(3, groups, 100, 10,
        Map.of("limit.request-override", "allow"), null, false);
    out.println("soak: starting 3 node processes (" + groups + " groups)");
    try (ProcessCluster cluster = ProcessCluster.start(rlctl, spec, out)) {
      String token = Files.readString(cluster.directory().resolve("admin.token")).trim();
      Connections connections = new Connections(cluster, token);
      try {
        run(cluster, connections);
      } catch (StatusRuntimeException e) {
        check(false, "a call failed outright: " + e.getStatus());
      } finally {
        connections.close();
        if (!failures.isEmpty()) {
          keepLogs(cluster);
        }
      }
    }
    out.println();
    out.println("soak figures:");
    figures.forEach(f -> out.println("  " + f));
    if (failures.isEmpty()) {
      out.println("soak: every check held");
      return 0;
    }
    out.println("soak: " + failures.size() + " check(s) failed:");
    failures.forEach(f -> out.println("  FAILED " + f));
    return 1;
  }

  private void run(ProcessCluster cluster, Connections connections) throws Exception {
    drainProbes(connections);
    memory(cluster, "after start");

    long[] longIdOps = longKeysWithDistinctIds(connections);
    figures.add(String.format("long keys and ids: %,d ops in %d s (%,d refused by the nodes)",
        longIdOps[0], longIdSeconds, longIdOps[1]));
    memory(cluster, "after the long ids");

    quietGapThenTraffic(connections);
    memory(cluster, "after the quiet gap");

    long version = setRules(connections);
    memory(cluster, "after " + rules + " rules");

    String repeatedKey = repeatUnderOneId(connections);
    checkProbesStillRefused(connections, "before the restarts");

    String wiped = cluster.nodes().get(2).id();
    cluster.stopNodes();
    LocalCluster.deleteRecursively(cluster.nodeDirectory(wiped));
    long startNanos = System.nanoTime();
    cluster.startNodes();
    connections.reconnect(cluster);
    awaitRecovered(connections, "the restart with " + wiped + " wiped", startNanos);
    afterRestart(connections, version, repeatedKey, "after the restart with " + wiped + " wiped");
    memory(cluster, "after the restart with " + wiped + " wiped");

    cluster.stopNodes();
    startNanos = System.nanoTime();
    cluster.startNodes();
    connections.reconnect(cluster);
    awaitRecovered(connections, "the restart of every node", startNanos);
    afterRestart(connections, version, repeatedKey, "after the restart of every node");
  }

  private static AcquireRequest acquire(String key, Limit limit) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setConsistency(Consistency.CONSISTENCY_STRONG).setLimit(limit).build();
  }

  private void drainProbes(Connections connections) {
    int allowed = 0;
    for (int p = 0; p < PROBES; p++) {
      for (int i = 0; i < PROBE_LIMIT.getCapacity(); i++) {
        allowed += connections.data().acquire(acquire("probe-" + p, PROBE_LIMIT)).getAllowed()
            ? 1 : 0;
      }
    }
    check(allowed == PROBES * PROBE_LIMIT.getCapacity(),
        "every probe token was granted once (" + allowed + ")");
    checkProbesStillRefused(connections, "once drained");
  }

  private void checkProbesStillRefused(Connections connections, String when) {
    int allowed = 0;
    for (int p = 0; p < PROBES; p++) {
      allowed += connections.data().acquire(acquire("probe-" + p, PROBE_LIMIT)).getAllowed()
          ? 1 : 0;
    }
    check(allowed == 0, "drained probe keys stay refused " + when + " (" + allowed
        + " of " + PROBES + " allowed)");
  }

  /** Batches at the batch limit of near-512-byte keys, each op with a distinct 64-byte id. */
  private long[] longKeysWithDistinctIds(Connections connections) {
    String pad = "k".repeat(480);
    long sent = 0;
    long refused = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(longIdSeconds);
    for (int batch = 0; System.nanoTime() < end; batch++) {
      AcquireBatchRequest.Builder request = AcquireBatchRequest.newBuilder();
      for (int i = 0; i < BATCH; i++) {
        String id = String.format("%064d", (long) batch * BATCH + i);
        request.addRequests(acquire(pad + batch + "-" + i, MINUTE_LIMIT).toBuilder()
            .setRequestId(id));
      }
      try {
        AcquireBatchResponse answer = connections.data().withDeadlineAfter(30, TimeUnit.SECONDS)
            .acquireBatch(request.build());
        sent += BATCH;
        refused += answer.getResponsesList().stream().filter(AcquireResponse::hasError).count();
      } catch (StatusRuntimeException e) {
        refused += BATCH;
      }
    }
    return new long[] {sent, refused};
  }

  private void quietGapThenTraffic(Connections connections) throws InterruptedException {
    long charged = 0;
    int failedBatches = 0;
    for (int batch = 0; batch * BATCH < expiringKeys; batch++) {
      AcquireBatchRequest.Builder request = AcquireBatchRequest.newBuilder();
      for (int i = 0; i < BATCH; i++) {
        request.addRequests(acquire("quota-" + batch + "-" + i, MINUTE_LIMIT));
      }
      try {
        charged += connections.data().withDeadlineAfter(30, TimeUnit.SECONDS)
            .acquireBatch(request.build()).getResponsesList().stream()
            .filter(AcquireResponse::getAllowed).count();
      } catch (StatusRuntimeException e) {
        failedBatches++; // a loaded 2-core machine may miss a commit deadline: counted, not fatal
      }
    }
    figures.add(String.format("charged %,d keys (C = 10, full again after 60 s; %d batches of %,d"
        + " failed), then %d s quiet", charged, failedBatches, BATCH, quietSeconds));
    Thread.sleep(TimeUnit.SECONDS.toMillis(quietSeconds));
    int answered = 0;
    int failed = 0;
    long slowestNanos = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (int i = 0; System.nanoTime() < end; i++) {
      long start = System.nanoTime();
      try {
        connections.data().withDeadlineAfter(5, TimeUnit.SECONDS)
            .acquire(acquire("after-gap-" + i, MINUTE_LIMIT));
        answered++;
      } catch (StatusRuntimeException e) {
        failed++;
      }
      slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
    }
    figures.add(String.format("10 s after the gap: %,d calls answered, %d failed, slowest %d ms",
        answered, failed, TimeUnit.NANOSECONDS.toMillis(slowestNanos)));
    check(failed == 0 && answered > 100, "calls are answered while the gap's buckets expire ("
        + answered + " answered, " + failed + " failed)");
  }

  private long setRules(Connections connections) {
    long version = 0;
    String pad = "r".repeat(490);
    for (int r = 0; r < rules; r++) {
      version = connections.admin().setLimit(SetLimitRequest.newBuilder()
          .setRule(LimitRule.newBuilder().setPrefix(String.format("%s%05d", pad, r))
              .setCapacity(50).setRefillPerSecond(5))
          .build()).getVersion();
    }
    int listed = connections.admin().listLimits(ListLimitsRequest.getDefaultInstance())
        .getRulesCount();
    check(listed == rules, "all " + rules + " rules are set (" + listed + " listed)");
    return version;
  }

  /** Ten repeats of one request under one id take one token of three. */
  private String repeatUnderOneId(Connections connections) {
    String key = "repeated";
    Limit three = Limit.newBuilder().setCapacity(3).setRefillPerSecond(0.0001).build();
    AcquireRequest request = acquire(key, three).toBuilder().setRequestId("the-same-id").build();
    int replayed = 0;
    for (int i = 0; i < 10; i++) {
      replayed += connections.data().acquire(request).getReplayed() ? 1 : 0;
    }
    AcquireResponse fresh = connections.data().acquire(acquire(key, three));
    check(replayed == 9, "nine of ten repeats are answered as replays (" + replayed + ")");
    check(fresh.getRemaining() == 1, "ten repeats under one id took one token (a fresh request"
        + " leaves " + fresh.getRemaining() + " of 3, expected 1)");
    return key;
  }

  private void awaitRecovered(Connections connections, String what, long startNanos)
      throws InterruptedException {
    long deadline = startNanos + TimeUnit.SECONDS.toNanos(120);
    String last = "";
    while (System.nanoTime() < deadline) {
      last = unrecovered(connections);
      if (last.isEmpty()) {
        figures.add(String.format("%s: every group led and every replica at the same applied "
            + "index %.1f s after the start", what, (System.nanoTime() - startNanos) / 1e9));
        return;
      }
      Thread.sleep(250);
    }
    check(false, what + ": every group back within 120 s (" + last + ")");
  }

  /** Why the cluster has not recovered yet, or empty when it has. */
  private String unrecovered(Connections connections) {
    Map<Integer, List<Long>> applied = new HashMap<>();
    Map<Integer, Integer> leaders = new HashMap<>();
    for (NodeAdminGrpc.NodeAdminBlockingStub node : connections.adminPerNode()) {
      NodeStatus status;
      try {
        status = node.withDeadlineAfter(2, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        return "a node does not answer: " + e.getStatus().getCode();
      }
      for (GroupStatus group : status.getGroupsList()) {
        applied.computeIfAbsent(group.getIndex(), g -> new ArrayList<>())
            .add(group.getAppliedIndex());
        if (group.getRole().equals("LEADER")) {
          leaders.merge(group.getIndex(), 1, Integer::sum);
        }
      }
    }
    for (int g = 0; g < groups; g++) {
      List<Long> indexes = applied.getOrDefault(g, List.of());
      if (leaders.getOrDefault(g, 0) != 1) {
        return "group " + g + " has " + leaders.getOrDefault(g, 0) + " leaders";
      }
      if (indexes.size() != 3 || indexes.stream().distinct().count() != 1) {
        return "group " + g + " replicas applied " + indexes;
      }
    }
    return "";
  }

  private void afterRestart(Connections connections, long version, String repeatedKey,
      String when) {
    checkProbesStillRefused(connections, when);
    for (NodeAdminGrpc.NodeAdminBlockingStub node : connections.adminPerNode()) {
      int listed = node.listLimits(ListLimitsRequest.getDefaultInstance()).getRulesCount();
      check(listed == rules, "every node holds the " + rules + " rules " + when + " (" + listed
          + ")");
    }
    check(connections.admin().listLimits(ListLimitsRequest.getDefaultInstance()).getVersion()
        >= version, "the rules' version did not go back " + when);
    Limit three = Limit.newBuilder().setCapacity(3).setRefillPerSecond(0.0001).build();
    AcquireResponse last = connections.data().acquire(acquire(repeatedKey, three));
    check(!last.getAllowed() || last.getRemaining() == 0,
        "the repeated key kept its state " + when + " (remaining " + last.getRemaining() + ")");
  }

  private void memory(ProcessCluster cluster, String when) {
    StringBuilder line = new StringBuilder("resident memory " + when + ":");
    for (NodeEndpoints.Node node : cluster.nodes()) {
      long rss = -1;
      try {
        rss = ProcStatus.rssBytes(Files.readString(Path.of("/proc", Long.toString(node.pid()),
            "status")));
      } catch (IOException e) {
        check(false, "node " + node.id() + " is alive " + when);
      }
      line.append(String.format(" %s %d MiB", node.id(), rss >> 20));
    }
    figures.add(line.toString());
  }

  /** Copies the nodes' logs out of the cluster directory, which goes with the cluster. */
  private void keepLogs(ProcessCluster cluster) throws IOException {
    Path kept = Files.createTempDirectory("raftlimiter-soak-logs-");
    try (var files = Files.list(cluster.directory())) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        Files.copy(log, kept.resolve(log.getFileName()));
      }
    }
    out.println("soak: the nodes' logs are kept in " + kept);
  }

  private void check(boolean holds, String what) {
    out.println((holds ? "  ok   " : "  FAIL ") + what);
    if (!holds) {
      failures.add(what);
    }
  }

  /** Channels to the nodes: data-plane calls go to one node, which forwards; admin to each. */
  private static final class Connections implements AutoCloseable {
    private final String token;
    private List<ManagedChannel> channels = new ArrayList<>();

    Connections(ProcessCluster cluster, String token) {
      this.token = token;
      reconnect(cluster);
    }

    void reconnect(ProcessCluster cluster) {
      close();
      channels = new ArrayList<>();
      for (String endpoint : cluster.endpoints()) {
        channels.add(ManagedChannelBuilder.forTarget(endpoint).usePlaintext()
            .maxInboundMessageSize(64 << 20).build());
      }
    }

    RateLimiterGrpc.RateLimiterBlockingStub data() {
      return RateLimiterGrpc.newBlockingStub(channels.get(0))
          .withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    NodeAdminGrpc.NodeAdminBlockingStub admin() {
      return adminOf(channels.get(0));
    }

    List<NodeAdminGrpc.NodeAdminBlockingStub> adminPerNode() {
      return channels.stream().map(this::adminOf).toList();
    }

    private NodeAdminGrpc.NodeAdminBlockingStub adminOf(ManagedChannel channel) {
      return NodeAdminGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
              AdminTokenFile.bearerHeaders(token)))
          .withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
