package io.raftlimiter.server.local;

import io.raftlimiter.server.RaftNode;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.statemachine.SnapshotDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * N real nodes in this JVM, on 127.0.0.1 and free ports, each with its own data directory under
 * one base directory. For the demo, the benchmark and the tests: nodes can be stopped (as a crash
 * would: no goodbye to peers), restarted on their data, or wiped.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path baseDir;
  private final List<NodeConfig> configs;
  private final AtomicReferenceArray<RaftNode> nodes;

  private LocalCluster(Path baseDir, List<NodeConfig> configs) {
    this.baseDir = baseDir;
    this.configs = configs;
    this.nodes = new AtomicReferenceArray<>(configs.size());
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
      NodeConfig.Builder builder = NodeConfig.newBuilder();
      settings.accept(builder);
      configs.add(builder
          .set(NodeConfigKeys.NODE_ID, peer.id())
          .set(NodeConfigKeys.HOST, peer.host())
          .set(NodeConfigKeys.RAFT_PORT, peer.raftPort())
          .set(NodeConfigKeys.CLIENT_PORT, peer.clientPort())
          .set(NodeConfigKeys.DATA_DIR, baseDir.resolve(peer.id()))
          .set(NodeConfigKeys.PEERS, PeerAddress.format(peers))
          .build());
    }
    LocalCluster cluster = new LocalCluster(baseDir, configs);
    try {
      for (int i = 0; i < size; i++) {
        cluster.restart(i);
      }
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  public int size() {
    return configs.size();
  }

  public Path baseDir() {
    return baseDir;
  }

  /** The running node at {@code index}; throws if it is stopped. */
  public RaftNode node(int index) {
    RaftNode node = nodes.get(index);
    if (node == null) {
      throw new IllegalStateException("node " + configs.get(index).nodeId() + " is stopped");
    }
    return node;
  }

  public boolean isRunning(int index) {
    return nodes.get(index) != null;
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
    for (int i = 0; i < nodes.length(); i++) {
      if (nodes.get(i) != null) {
        result.add(configs.get(i).self().clientAddress());
      }
    }
    return result;
  }

  /** The index of the running node that leads the data group now, if any. */
  public Optional<Integer> leaderIndex() {
    for (int i = 0; i < nodes.length(); i++) {
      RaftNode node = nodes.get(i);
      if (node != null && node.isLeader()) {
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

  /** Waits until every data group has a leader among the running nodes. */
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
  }

  private boolean hasLeader(int group) {
    for (int i = 0; i < nodes.length(); i++) {
      RaftNode node = nodes.get(i);
      if (node != null && node.isLeader(group)) {
        return true;
      }
    }
    return false;
  }

  /** Stops a node abruptly (its peers learn of it by silence). */
  public void stop(int index) {
    RaftNode node = nodes.getAndSet(index, null);
    if (node != null) {
      node.close();
    }
  }

  /** Starts a stopped node again on its existing data. */
  public RaftNode restart(int index) throws IOException {
    if (nodes.get(index) != null) {
      throw new IllegalStateException("node " + configs.get(index).nodeId() + " is running");
    }
    RaftNode node = RaftNode.start(configs.get(index));
    nodes.set(index, node);
    return node;
  }

  /** Stops a node and deletes all of its data, as if its disk had been replaced. */
  public void wipe(int index) throws IOException {
    stop(index);
    deleteRecursively(configs.get(index).get(NodeConfigKeys.DATA_DIR));
  }

  @Override
  public void close() {
    for (int i = 0; i < nodes.length(); i++) {
      stop(i);
    }
  }

  /** Deletes a directory tree; used for the cluster's temp directory too. */
  public static void deleteRecursively(Path path) throws IOException {
    SnapshotDirectory.deleteRecursively(path);
  }
}
