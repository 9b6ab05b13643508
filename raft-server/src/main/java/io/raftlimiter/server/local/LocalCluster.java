package io.raftlimiter.server.local;

import io.raftlimiter.server.RaftNode;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.config.RequestLimitPolicy;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.statemachine.SnapshotDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * N real nodes in this JVM, on 127.0.0.1 and free ports, each with its own data directory under
 * one base directory. For the demo, the benchmark and the tests: nodes can be stopped (as a crash
 * would: no goodbye to peers), restarted on their data, or wiped.
 */
public final class LocalCluster implements AutoCloseable {
  /** How long a new cluster may take to elect its leaders and grow its groups to full size. */
  private static final Duration FORMATION_TIMEOUT = Duration.ofSeconds(60);
  private final Path baseDir;
  private final Consumer<NodeConfig.Builder> settings;
  private final List<NodeConfig> configs = new CopyOnWriteArrayList<>();
  private final List<AtomicReference<RaftNode>> nodes = new CopyOnWriteArrayList<>();

  private LocalCluster(Path baseDir, Consumer<NodeConfig.Builder> settings,
      List<NodeConfig> configs) {
    this.baseDir = baseDir;
    this.settings = settings;
    this.configs.addAll(configs);
    configs.forEach(c -> nodes.add(new AtomicReference<>()));
  }

  /**
   * Starts {@code size} nodes named n1..nN.
   *
   * @param settings applied to every node's configuration (default limit, timeouts, ...)
   */
  public static LocalCluster start(int size, Path baseDir, Consumer<NodeConfig.Builder> settings)
      throws IOException {
    List<PeerAddress> peers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      peers.add(new PeerAddress("n" + i, "127.0.0.1", FreePorts.next(), FreePorts.next()));
    }
    List<NodeConfig> configs = new ArrayList<>();
    for (PeerAddress peer : peers) {
      configs.add(config(baseDir, settings, peer, peers, false));
    }
    LocalCluster cluster = new LocalCluster(baseDir, settings, configs);
    try {
      for (int i = 0; i < size; i++) {
        cluster.restart(i);
      }
      cluster.awaitReplicated(FORMATION_TIMEOUT);
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    } catch (InterruptedException e) {
      cluster.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the cluster formed", e);
    }
    return cluster;
  }

  /**
   * Waits until every data group has a leader whose configuration holds the replication factor's
   * replicas (the number of nodes when fewer), no change in progress, and every running node
   * decides. A new cluster founds each group on one replica and its controller adds the others
   * one at a time.
   */
  public void awaitReplicated(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int groups = configs.get(0).get(NodeConfigKeys.GROUPS);
    int replicas = Math.min(configs.get(0).get(NodeConfigKeys.REPLICATION), configs.size());
    for (int g = 0; g < groups; g++) {
      while (!replicated(g, replicas)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("group " + g + " does not have " + replicas
              + " replicas within " + timeout.toMillis() + " ms");
        }
        Thread.sleep(20);
      }
    }
    awaitDeciding(deadline, timeout);
  }

  private boolean replicated(int group, int replicas) {
    for (int i = 0; i < nodes.size(); i++) {
      RaftNode node = nodes.get(i).get();
      if (node == null || !node.internals().isLeader(group)) {
        continue;
      }
      try {
        var conf = node.internals().raftServer().getDivision(ClusterGroups.dataGroupId(group))
            .getRaftConf();
        if (conf.getPreviousPeers().isEmpty() && conf.getCurrentPeers().size() == replicas) {
          return true;
        }
      } catch (IOException | RuntimeException e) {
        // not hosted here any more
      }
    }
    return false;
  }

  /**
   * The configuration LocalCluster gives node {@code peer} of {@code peers}, its data under
   * {@code baseDir}; for tests that start nodes by hand (with a list of their own, say).
   */
  public static NodeConfig config(Path baseDir, Consumer<NodeConfig.Builder> settings,
      PeerAddress peer, List<PeerAddress> peers, boolean joining) {
    NodeConfig.Builder builder = NodeConfig.newBuilder();
    harnessDefaults(builder);
    settings.accept(builder);
    return builder
        .set(NodeConfigKeys.NODE_ID, peer.id())
        .set(NodeConfigKeys.HOST, peer.host())
        .set(NodeConfigKeys.RAFT_PORT, peer.raftPort())
        .set(NodeConfigKeys.CLIENT_PORT, peer.clientPort())
        .set(NodeConfigKeys.DATA_DIR, baseDir.resolve(peer.id()))
        .set(NodeConfigKeys.PEERS, PeerAddress.format(peers))
        .set(NodeConfigKeys.JOIN, Boolean.toString(joining))
        .build();
  }

  /**
   * What a local cluster's nodes differ in from a node's own defaults, before the caller's
   * settings (which win): they listen on 127.0.0.1 only, so they may run without TLS
   * ({@code security.allow-insecure}); and their callers (tests, the benchmark) carry each key's
   * limit in their requests as part of the scenario, so a carried limit wins
   * ({@code limit.request-override=allow}). The demo carries none. Nobody balances load over
   * them, so a stopping node does not wait for load balancers to move away
   * ({@code node.shutdown-grace-ms=0}); it still hands its leaderships over.
   */
  private static void harnessDefaults(NodeConfig.Builder builder) {
    builder.set(NodeConfigKeys.ALLOW_INSECURE, "true")
        .set(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE, RequestLimitPolicy.ALLOW)
        .set(NodeConfigKeys.SHUTDOWN_GRACE_MS, 0);
  }

  /**
   * Starts one more node, n(N+1), that joins the running cluster (with the same settings as the
   * others); the controller then gives it replicas. Returns its index.
   */
  public int addNode() throws IOException {
    List<PeerAddress> peers = new ArrayList<>(configs.get(0).peers());
    PeerAddress added = new PeerAddress("n" + (configs.size() + 1), "127.0.0.1", FreePorts.next(),
        FreePorts.next());
    peers.add(added);
    configs.add(config(baseDir, settings, added, peers, true));
    nodes.add(new AtomicReference<>());
    int index = configs.size() - 1;
    restart(index);
    return index;
  }

  public int size() {
    return configs.size();
  }

  public Path baseDir() {
    return baseDir;
  }

  /** The running node at {@code index}; throws if it is stopped. */
  public RaftNode node(int index) {
    RaftNode node = nodes.get(index).get();
    if (node == null) {
      throw new IllegalStateException("node " + configs.get(index).nodeId() + " is stopped");
    }
    return node;
  }

  public boolean isRunning(int index) {
    return nodes.get(index).get() != null;
  }

  public NodeConfig config(int index) {
    return configs.get(index);
  }

  /** Client addresses of every node, running or not. */
  public List<String> endpoints() {
    return configs.stream().map(c -> c.self().clientAddress()).toList();
  }

  /** Client addresses of the running nodes. */
  public List<String> runningEndpoints() {
    List<String> result = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).get() != null) {
        result.add(configs.get(i).self().clientAddress());
      }
    }
    return result;
  }

  /** The index of the running node that leads the data group now, if any. */
  public Optional<Integer> leaderIndex() {
    for (int i = 0; i < nodes.size(); i++) {
      RaftNode node = nodes.get(i).get();
      if (node != null && node.internals().isLeader(0)) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /** Waits until some running node leads the data group. */
  public int awaitLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Integer> leader = leaderIndex();
      if (leader.isPresent()) {
        return leader.get();
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("no leader within " + timeout.toMillis() + " ms");
  }

  /**
   * Waits until every data group has a leader among the running nodes, and every running node
   * decides (it compared its settings with the cluster's shape).
   */
  public void awaitLeaders(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int groups = configs.get(0).get(NodeConfigKeys.GROUPS);
    for (int g = 0; g < groups; g++) {
      while (!hasLeader(g)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("group " + g + " has no leader within "
              + timeout.toMillis() + " ms");
        }
        Thread.sleep(20);
      }
    }
    awaitDeciding(deadline, timeout);
  }

  /** Waits until every running node decides (it compared its settings with the shape). */
  private void awaitDeciding(long deadlineNanos, Duration timeout) throws InterruptedException {
    for (int i = 0; i < nodes.size(); i++) {
      RaftNode node;
      String refusal;
      while ((node = nodes.get(i).get()) != null && (refusal = node.refusalToDecide()) != null) {
        if (System.nanoTime() > deadlineNanos) {
          throw new IllegalStateException("node " + i + " does not decide within "
              + timeout.toMillis() + " ms: " + refusal);
        }
        Thread.sleep(20);
      }
    }
  }

  private boolean hasLeader(int group) {
    for (int i = 0; i < nodes.size(); i++) {
      RaftNode node = nodes.get(i).get();
      if (node != null && node.internals().isLeader(group)) {
        return true;
      }
    }
    return false;
  }

  /** Stops a node abruptly (its peers learn of it by silence). */
  public void stop(int index) {
    RaftNode node = nodes.get(index).getAndSet(null);
    if (node != null) {
      node.closeAbruptly();
    }
  }

  /**
   * Stops a node as SIGTERM does: it reports not ready, hands its leaderships to followers that
   * keep up, lets its calls finish, and closes ({@link RaftNode#close}).
   */
  public void stopGracefully(int index) {
    RaftNode node = nodes.get(index).getAndSet(null);
    if (node != null) {
      node.close();
    }
  }

  /** Stops a node as a kill would: what it owed its groups (EVENTUAL hits, leases) is lost. */
  public void crash(int index) {
    RaftNode node = nodes.get(index).getAndSet(null);
    if (node != null) {
      node.crash();
    }
  }

  /** Starts a stopped node again on its existing data. */
  public RaftNode restart(int index) throws IOException {
    if (nodes.get(index).get() != null) {
      throw new IllegalStateException("node " + configs.get(index).nodeId() + " is running");
    }
    RaftNode node = RaftNode.start(configs.get(index));
    nodes.get(index).set(node);
    return node;
  }

  /** Stops a node and deletes all of its data, as if its disk had been replaced. */
  public void wipe(int index) throws IOException {
    stop(index);
    deleteRecursively(configs.get(index).get(NodeConfigKeys.DATA_DIR));
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.size(); i++) {
      stop(i);
    }
  }

  /** Deletes a directory tree; used for the cluster's temp directory too. */
  public static void deleteRecursively(Path path) throws IOException {
    SnapshotDirectory.deleteRecursively(path);
  }
}
