package io.raftlimiter.cli;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.server.config.ConfigKey;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Local clusters of node processes: up, down, status. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Run a local cluster of node processes on 127.0.0.1.",
    subcommands = {ClusterCommand.Up.class, ClusterCommand.Down.class, ClusterCommand.Status.class,
        MembershipCommands.AddNode.class, MembershipCommands.RemoveNode.class})
final class ClusterCommand {

  static void requireClusterDirectory(Path dir) {
    if (!ClusterLayout.existsIn(dir)) {
      throw new UsageException(dir + " is not a cluster directory (no " + ClusterLayout.FILE + ")");
    }
  }

  @Command(name = "up", mixinStandardHelpOptions = true,
      description = {"Start N node processes in the background and wait until they serve.",
          "Writes D/endpoints: <node-id> <host:port> <pid> per node. On an existing D, brings the "
              + "same nodes back with their data."})
  static final class Up implements Callable<Integer> {
    /** The node setting naming the admin token file. */
    private static final String ADMIN_TOKEN_SETTING = "security.admin-token-file";

    @Option(names = "--nodes", description = "Number of nodes (default 3; fixed once D exists).")
    Integer nodes;

    @Mixin ClusterDirectory cluster;

    @Option(names = "--groups", description = "Data groups (Raft groups) the key space is split "
        + "into (default 1; fixed once D exists).")
    Integer groups;

    @Option(names = "--replication", description = "Replicas per group (default 3, or N when N < 3).")
    Integer replication;

    @Option(names = "--capacity", description = "Default bucket capacity (default 100).")
    Long capacity;

    @Option(names = "--refill", description = "Default refill per second (default 10).")
    Double refill;

    @Option(names = "--base-port", description = "Ports from P on: node i gets P+2(i-1) (Raft) "
        + "and P+2(i-1)+1 (clients). Default: free ports.")
    Integer basePort;

    @Mixin NodeJvmOptions jvm;

    @Option(names = "--wait-seconds", defaultValue = "90", description = "How long to wait for the nodes to serve.")
    int waitSeconds;

    @Option(names = "--tls", description = "Create the cluster with TLS: a development CA and "
        + "certificates in D/tls/ (ca.crt, node-<id>, client, admin: .crt and .key), mutual "
        + "TLS between the nodes, client certificates required. rlctl on D uses the admin "
        + "certificate by itself; data-plane clients use D/tls/client.crt. Fixed once D exists.")
    boolean tls;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
        description = "A node setting for every node (repeatable; kept in D for later 'up's), "
            + "e.g. --set cluster.dead-after-ms=2000.")
    Map<String, String> settings = new HashMap<>();

    private static void checkSetting(String name, String value) {
      if (name.startsWith("ratis.")) {
        return; // passed to Ratis verbatim
      }
      ConfigKey<?> key;
      try {
        key = NodeConfigKeys.byName(name);
      } catch (RuntimeException e) {
        throw new UsageException("--set " + name + ": no such setting (see README, Configuration)");
      }
      if (key == NodeConfigKeys.GROUPS || key == NodeConfigKeys.REPLICATION) {
        throw new UsageException("--set " + name + ": use --groups / --replication");
      }
      try {
        key.parse(value);
      } catch (RuntimeException e) {
        throw new UsageException("--set " + name + ": " + e.getMessage());
      }
    }

    @Override
    public Integer call() throws Exception {
      settings.forEach(Up::checkSetting);
      boolean created = !ClusterLayout.existsIn(cluster.dir);
      ClusterLayout layout = layout().withSettings(settings);
      if (created && !settings.containsKey(ADMIN_TOKEN_SETTING)) {
        // A new cluster gets an admin token: rlctl on this directory sends it by itself.
        Files.createDirectories(cluster.dir);
        layout = layout.withSettings(Map.of(ADMIN_TOKEN_SETTING,
            AdminToken.create(cluster.dir).toAbsolutePath().toString()));
      }
      if (created && tls) {
        Files.createDirectories(cluster.dir);
        layout = layout.withSettings(ClusterTls.create(cluster.dir));
      } else if (tls && !ClusterTls.enabled(cluster.dir)) {
        throw new UsageException(cluster.dir
            + " holds a cluster made without --tls; TLS is chosen when "
            + "a cluster is created (use a new --dir)");
      }
      if (!ClusterTls.enabled(cluster.dir)) {
        System.err.println(ClusterTls.insecureNote(cluster.dir));
      }
      layout = layout.withHttpPorts(); // clusters made before nodes had one get one now
      layout.save(cluster.dir);
      HttpEndpointsFile.write(cluster.dir, layout);
      Map<String, Long> running = new HashMap<>();
      for (EndpointsFile.Entry e : EndpointsFile.read(cluster.dir)) {
        if (NodeProcesses.find(e.pid()).isPresent()) {
          running.put(e.nodeId(), e.pid());
        }
      }
      List<EndpointsFile.Entry> entries = new ArrayList<>();
      Map<String, Process> started = new HashMap<>();
      for (PeerAddress peer : layout.peers()) {
        Long pid = running.get(peer.id());
        if (pid == null) {
          Process process = NodeProcesses.launch(cluster.dir, layout, peer, jvm.value);
          started.put(peer.id(), process);
          pid = process.pid();
        }
        entries.add(new EndpointsFile.Entry(peer.id(), peer.clientAddress(), pid));
      }
      EndpointsFile.write(cluster.dir, entries);
      awaitServing(layout, started, created);
      for (EndpointsFile.Entry e : entries) {
        System.out.printf("%s %s pid %d%s%n", e.nodeId(), e.clientAddress(), e.pid(),
            started.containsKey(e.nodeId()) ? "" : " (already running)");
      }
      System.out.println("cluster up: " + entries.size() + " nodes serving; endpoints in "
          + cluster.dir.resolve(EndpointsFile.FILE));
      return 0;
    }

    private ClusterLayout layout() throws IOException {
      if (ClusterLayout.existsIn(cluster.dir)) {
        ClusterLayout existing = ClusterLayout.load(cluster.dir);
        if (nodes != null && nodes != existing.peers().size()) {
          throw new UsageException(cluster.dir + " holds a cluster of " + existing.peers().size()
              + " nodes; --nodes " + nodes + " does not match (use a new --dir)");
        }
        if ((groups != null && groups != existing.groups())
            || (replication != null && replication != existing.replication())) {
          throw new UsageException(cluster.dir + " holds " + existing.groups() + " groups of "
              + existing.replication() + " replicas; --groups and --replication are fixed when a "
              + "cluster is created (use a new --dir)");
        }
        if (capacity != null || refill != null) {
          System.err.println("rlctl: note: " + cluster.dir + " exists; keeping its limit "
              + existing.capacity() + "@" + existing.refillPerSecond() + "/s");
        }
        return existing;
      }
      int count = nodes == null ? 3 : nodes;
      if (count < 1 || count > 99) {
        throw new UsageException("--nodes must be from 1 to 99, got " + count);
      }
      if (basePort != null && (basePort < 1024 || basePort + 2 * count > 65535)) {
        throw new UsageException("--base-port must be from 1024 to " + (65535 - 2 * count)
            + ", got " + basePort);
      }
      long c = capacity == null ? 100 : capacity;
      double r = refill == null ? 10.0 : refill;
      if (c < 1 || c > 1_000_000_000_000L) {
        throw new UsageException("--capacity must be from 1 to 1000000000000, got " + c);
      }
      if (!Double.isFinite(r) || r < 1e-6 || r > 1e12) {
        throw new UsageException("--refill must be a number from 0.000001 to 1e12, got " + r);
      }
      int g = groups == null ? 1 : groups;
      int rf = replication == null ? Math.min(3, count) : replication;
      if (g < 1 || g > 1024) {
        throw new UsageException("--groups must be from 1 to 1024, got " + g);
      }
      if (rf < 1 || rf > count) {
        throw new UsageException("--replication must be from 1 to the number of nodes (" + count
            + "), got " + rf);
      }
      return ClusterLayout.create(count, g, rf, basePort, c, r);
    }

    /**
     * Waits until every node answers and every group has a leader; a new cluster's leaders must
     * also hold all of their group's replicas (each group is founded on one replica and grown by
     * the controller). A restart does not wait for replicas that move back to a returning node.
     * (A node back from a crash may host stale replicas that never get a leader again: the
     * controller deletes them; they must not hold up the wait.)
     */
    private void awaitServing(ClusterLayout layout, Map<String, Process> started,
        boolean formation) throws InterruptedException, IOException {
      long deadline = System.nanoTime() + Duration.ofSeconds(waitSeconds).toNanos();
      while (true) {
        Set<Integer> led = new HashSet<>();
        List<String> silent = new ArrayList<>();
        Map<Integer, List<String>> copies = new TreeMap<>();
        for (PeerAddress peer : layout.peers()) {
          Process process = started.get(peer.id());
          if (process != null && !process.isAlive()) {
            throw new IOException("node " + peer.id() + " exited with code " + process.exitValue()
                + "; last lines of " + NodeProcesses.logFile(cluster.dir, peer.id()) + ":\n"
                + NodeProcesses.tail(NodeProcesses.logFile(cluster.dir, peer.id()), 15));
          }
          Optional<NodeStatus> status =
              AdminClient.status(peer.clientAddress(),
                  ClusterTls.adminCredentials(cluster.dir), 1000);
          if (status.isEmpty()) {
            silent.add(peer.id());
            continue;
          }
          // On a new cluster a leader counts once its group holds all its replicas: each group
          // is founded on one replica, and the controller adds the others one at a time.
          int replicas = formation ? Math.min(layout.replication(), layout.peers().size()) : 1;
          status.get().getGroupsList().stream()
              .filter(g -> g.getRole().equals("LEADER") && g.getPeerIdsCount() >= replicas
                  && (!formation || g.getPreviousPeerIdsCount() == 0))
              .forEach(g -> led.add(g.getIndex()));
          for (var g : status.get().getGroupsList()) {
            copies.computeIfAbsent(g.getIndex(), i -> new ArrayList<>()).add(peer.id() + " "
                + g.getRole().toLowerCase(Locale.ROOT) + " term " + g.getTerm() + " of "
                + g.getPeerIdsList());
          }
        }
        if (silent.isEmpty() && led.size() == layout.groups()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("cluster not serving after " + waitSeconds + " s: "
              + (silent.isEmpty() ? "" : "no answer from " + silent + "; ")
              + (layout.groups() - led.size()) + " group(s) without a leader"
              + (formation ? " of all its replicas" : "")
              + leaderless(layout.groups(), led, copies) + "; see the logs in " + cluster.dir);
        }
        Thread.sleep(200);
      }
    }
    /** What each node hosting a leaderless group says of it, for the error message. */
    private static String leaderless(int groups, Set<Integer> led,
        Map<Integer, List<String>> copies) {
      StringBuilder out = new StringBuilder();
      for (int g = 0; g < groups; g++) {
        if (!led.contains(g)) {
          out.append("\n  group ").append(g).append(": ")
              .append(copies.getOrDefault(g, List.of("no node hosts it")));
        }
      }
      return out.toString();
    }
  }

  @Command(name = "down", mixinStandardHelpOptions = true,
      description = "Stop the node processes of a local cluster (their data stays in D).")
  static final class Down implements Callable<Integer> {
    @Mixin ClusterDirectory cluster;

    @Override
    public Integer call() throws Exception {
      requireClusterDirectory(cluster.dir);
      // All at once, so that no stop waits on another (one at a time took about 3 s a node).
      // Each node first charges the EVENTUAL hits it owes and gives its leased tokens back,
      // then closes; what it cannot commit before its groups lose their quorum is lost as in a
      // crash: uncharged hits are within the EVENTUAL bound, unreturned tokens under-admit.
      List<EndpointsFile.Entry> running = new ArrayList<>();
      List<ProcessHandle> processes = new ArrayList<>();
      for (EndpointsFile.Entry e : EndpointsFile.read(cluster.dir)) {
        Optional<ProcessHandle> process = NodeProcesses.find(e.pid());
        if (process.isEmpty()) {
          System.out.printf("%s was not running%n", e.nodeId());
          continue;
        }
        running.add(e);
        processes.add(process.get());
      }
      List<Boolean> graceful = NodeProcesses.stopAll(processes, Duration.ofSeconds(15));
      for (int i = 0; i < running.size(); i++) {
        System.out.printf("%s stopped (pid %d%s)%n", running.get(i).nodeId(),
            running.get(i).pid(), graceful.get(i) ? "" : ", killed after 15 s");
      }
      EndpointsFile.delete(cluster.dir);
      Files.deleteIfExists(cluster.dir.resolve(HttpEndpointsFile.FILE));
      System.out.println("cluster down: " + running.size() + " nodes stopped; data kept in "
          + cluster.dir);
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      header = "Show every node and group of a cluster, local or remote.",
      description = {"Show every node of a cluster: role, leader, term, applied index. Works on a",
          "local cluster (--dir) or on any cluster through some of its nodes (--endpoints)."})
  static final class Status implements Callable<Integer> {
    @Mixin ClusterTarget target;

    @Option(names = {"-o", "--output"}, defaultValue = "table",
        description = "table (default) or json: one object per node, its full status.")
    String output;

    @Override
    public Integer call() throws Exception {
      if (!output.equals("table") && !output.equals("json")) {
        throw new UsageException("--output must be table or json, got " + output);
      }
      ClusterTarget.Known cluster = target.resolve();
      Map<String, NodeStatus> statuses = new java.util.LinkedHashMap<>();
      for (ClusterTarget.Node node : cluster.nodes()) {
        AdminClient.status(node.clientAddress(), target.credentials(), 2000)
            .ifPresent(s -> statuses.put(node.id(), s));
      }
      int up = statuses.size();
      if (output.equals("json")) {
        Json.printStatuses(cluster, statuses);
      } else {
        printGroups(cluster.groups(), statuses);
        System.out.println();
        printNodes(cluster.nodes(), statuses);
        printMetadata(statuses);
        System.out.printf("%d of %d nodes up%n", up, cluster.nodes().size());
      }
      return up == cluster.nodes().size() ? 0 : Rlctl.EXIT_FAILURE;
    }

    /** One line per group: its replicas (down ones marked), leader, term and applied indexes. */
    private static void printGroups(int groups, Map<String, NodeStatus> statuses) {
      Map<Integer, List<String>> replicas = new java.util.TreeMap<>();
      Map<Integer, GroupStatus> leaderView = new HashMap<>();
      Map<Integer, String> leaderNode = new HashMap<>();
      Map<Integer, List<Long>> applied = new HashMap<>();
      Map<Integer, Long> queued = new HashMap<>();
      statuses.forEach((node, status) -> {
        for (GroupStatus g : status.getGroupsList()) {
          replicas.putIfAbsent(g.getIndex(), g.getPeerIdsList());
          applied.computeIfAbsent(g.getIndex(), i -> new ArrayList<>()).add(g.getAppliedIndex());
          queued.merge(g.getIndex(), g.getQueuedOps(), Long::sum);
          if (g.getRole().equals("LEADER")) {
            leaderView.put(g.getIndex(), g);
            leaderNode.put(g.getIndex(), node);
          }
        }
      });
      System.out.printf("%-6s %-22s %-7s %6s %9s %8s %7s %s%n", "GROUP", "REPLICAS", "LEADER",
          "TERM", "APPLIED", "SNAPSHOT", "QUEUED", "REPLICA APPLIED");
      for (int index = 0; index < groups; index++) {
        List<String> members = new ArrayList<>();
        for (String id : replicas.getOrDefault(index, List.of())) {
          members.add(statuses.containsKey(id) ? id : id + "(down)");
        }
        GroupStatus leader = leaderView.get(index);
        System.out.printf("%-6d %-22s %-7s %6s %9s %8s %7d %s%n", index,
            members.isEmpty() ? "(no replica up)" : String.join(",", members),
            leaderNode.getOrDefault(index, "-"),
            leader == null ? "-" : Long.toString(leader.getTerm()),
            leader == null ? "-" : Long.toString(leader.getAppliedIndex()),
            leader == null || leader.getSnapshotAgeMillis() < 0 ? "-"
                : leader.getSnapshotAgeMillis() / 1000 + "s",
            queued.getOrDefault(index, 0L), applied.getOrDefault(index, List.of()));
      }
    }

    /**
     * The metadata group's replicas and leader, and the metadata version and rule count each
     * node uses.
     */
    private static void printMetadata(Map<String, NodeStatus> statuses) {
      String leader = statuses.values().stream().map(NodeStatus::getMetadataLeader)
          .filter(l -> !l.isEmpty()).findFirst().orElse("-");
      String replicas = statuses.values().stream()
          .max(Comparator.comparingLong(NodeStatus::getMetadataVersion))
          .map(s -> String.join(",", s.getMetadataReplicasList())).orElse("");

      StringBuilder nodes = new StringBuilder();
      statuses.forEach((node, status) -> nodes.append(nodes.length() == 0 ? "" : ", ")
          .append(node).append("=v").append(status.getMetadataVersion())
          .append('/').append(status.getLimitRules()).append(" rules"));
      System.out.printf("%nmetadata group leader %s%s; nodes at %s%n", leader,
          replicas.isEmpty() ? "" : " (replicas " + replicas + ")", nodes);
      statuses.values().stream().filter(s -> !s.getMetadataLeader().isEmpty()).findFirst()
          .map(NodeStatus::getDeadNodesList).filter(dead -> !dead.isEmpty())
          .ifPresent(dead -> System.out.printf("marked dead by the controller: %s%n",
              String.join(", ", dead)));
      statuses.forEach((node, status) -> {
        if (!status.getMetadataProblem().isEmpty()) {
          System.out.printf("PROBLEM on %s: %s%n", node, status.getMetadataProblem());
        }
      });
    }

    /** One line per node: address, pid, the groups it hosts and the groups it leads. */
    private static void printNodes(List<ClusterTarget.Node> nodes,
        Map<String, NodeStatus> statuses) {
      System.out.printf("%-6s %-21s %-8s %-5s %-7s %-16s %9s %9s %9s%n", "NODE", "ADDRESS", "PID",
          "STATE", "GROUPS", "LEADS", "DECISIONS", "EV-OWED", "LEASED");
      for (ClusterTarget.Node node : nodes) {
        String pid = node.pid() == null ? "-" : Long.toString(node.pid());
        NodeStatus s = statuses.get(node.id());
        if (s == null) {
          System.out.printf("%-6s %-21s %-8s %-5s%n", node.id(), node.clientAddress(), pid, "DOWN");
          continue;
        }
        List<String> leads = new ArrayList<>();
        for (GroupStatus g : s.getGroupsList()) {
          if (g.getRole().equals("LEADER")) {
            leads.add(Integer.toString(g.getIndex()));
          }
        }
        System.out.printf("%-6s %-21s %-8s %-5s %-7d %-16s %9d %9d %9d%n", node.id(),
            node.clientAddress(), pid, "UP", s.getGroupsCount(),
            leads.isEmpty() ? "-" : String.join(",", leads),
            s.getDecisionsAllowed() + s.getDecisionsRejected(), s.getEventualOwedHits(),
            s.getLeasedTokens());
      }
    }
  }
}
