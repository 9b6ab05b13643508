package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.fail;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.local.LocalCluster;
import io.raftlimiter.statemachine.RateLimiterStateMachine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.SnapshotInfo;

/**
 * A three-node {@link LocalCluster} plus single-endpoint clients per node: one as users have it
 * (it routes STRONG and LEASED acquires to their group's leader), and one pinned to its node, so
 * that a test can send a request through a chosen node (a follower too). Also the waiting and inspection helpers the acceptance tests share: every wait polls
 * a condition under a deadline, and a failed wait reports the state of every node.
 */
final class ClusterFixture implements AutoCloseable {
  static final int SIZE = 3;
  /** Deadlines are generous: the machine has two cores and other builds may run beside us. */
  static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);
  static final Duration CLIENT_DEADLINE = Duration.ofSeconds(10);

  private final LocalCluster cluster;
  private final RateLimiterClient[] clients;
  private final RateLimiterClient[] pinned;
  private final List<Runnable> closers = new ArrayList<>();

  private ClusterFixture(LocalCluster cluster) {
    this.cluster = cluster;
    this.clients = new RateLimiterClient[cluster.size()];
    this.pinned = new RateLimiterClient[cluster.size()];
    List<String> endpoints = cluster.endpoints();
    for (int i = 0; i < clients.length; i++) {
      clients[i] = RateLimiterClient.newBuilder()
          .endpoints(List.of(endpoints.get(i)))
          .deadline(CLIENT_DEADLINE)
          .build();
      pinned[i] = RateLimiterClient.newBuilder()
          .endpoints(List.of(endpoints.get(i)))
          .deadline(CLIENT_DEADLINE)
          .routeToLeaders(false)
          .build();
    }
  }

  /** Starts three nodes with {@code settings} and waits until every data group has a leader. */
  static ClusterFixture start(Path dir, Consumer<NodeConfig.Builder> settings)
      throws IOException, InterruptedException {
    LocalCluster cluster = LocalCluster.start(SIZE, dir, settings);
    ClusterFixture fixture = new ClusterFixture(cluster);
    try {
      cluster.awaitLeaders(LEADER_TIMEOUT);
    } catch (RuntimeException | InterruptedException e) {
      fixture.close();
      throw e;
    }
    return fixture;
  }

  /** Runs {@code closer} when the fixture closes (a test's channels, say). */
  void onClose(Runnable closer) {
    closers.add(closer);
  }

  LocalCluster cluster() {
    return cluster;
  }

  /**
   * A client whose one endpoint is node {@code index}; like any {@code RateLimiterClient} it sends
   * single STRONG and LEASED acquires to their group's leader once it has a view. It reconnects
   * after a restart.
   */
  RateLimiterClient client(int index) {
    return clients[index];
  }

  /**
   * A client that sends every call to node {@code index} itself, never to a leader: for tests of
   * what the node taking a call does with it (a LEASED lease lives on that node).
   */
  RateLimiterClient pinned(int index) {
    return pinned[index];
  }

  int awaitLeader() throws InterruptedException {
    return cluster.awaitLeader(LEADER_TIMEOUT);
  }

  /** Some running node that does not lead the data group now. */
  int followerIndex() {
    int leader = cluster.leaderIndex().orElse(-1);
    for (int i = 0; i < cluster.size(); i++) {
      if (i != leader && cluster.isRunning(i)) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower: " + describe());
  }

  static AcquireRequest request(String key, long capacity, double refillPerSecond) {
    return request(key, 1, capacity, refillPerSecond);
  }

  static AcquireRequest request(String key, long permits, long capacity, double refillPerSecond) {
    return AcquireRequest.newBuilder()
        .setKey(key)
        .setPermits(permits)
        .setLimit(Limit.newBuilder().setCapacity(capacity).setRefillPerSecond(refillPerSecond))
        .build();
  }

  /**
   * Sends {@code requests} concurrently, request {@code j} through node
   * {@code nodes[j % nodes.length]}, with at most {@code maxOutstanding} in flight, and returns the
   * answers in request order. Any failed call fails the whole (the cluster is expected healthy).
   */
  List<AcquireResponse> acquireAll(List<AcquireRequest> requests, int[] nodes, int maxOutstanding)
      throws InterruptedException {
    Semaphore outstanding = new Semaphore(maxOutstanding);
    List<CompletableFuture<AcquireResponse>> futures = new ArrayList<>(requests.size());
    for (int j = 0; j < requests.size(); j++) {
      outstanding.acquire();
      CompletableFuture<AcquireResponse> future =
          clients[nodes[j % nodes.length]].acquireAsync(requests.get(j));
      future.whenComplete((response, error) -> outstanding.release());
      futures.add(future);
    }
    List<AcquireResponse> responses = new ArrayList<>(futures.size());
    for (int j = 0; j < futures.size(); j++) {
      try {
        responses.add(futures.get(j).get());
      } catch (ExecutionException e) {
        throw new AssertionError("request " + j + " (" + requests.get(j).getKey() + ") through node "
            + nodes[j % nodes.length] + " failed: " + e.getCause() + "\n" + describe(), e.getCause());
      }
    }
    return responses;
  }

  /** The indexes of the running nodes. */
  int[] runningNodes() {
    return IntStream.range(0, cluster.size()).filter(cluster::isRunning).toArray();
  }

  /** Polls {@code condition} until it holds; fails with {@code what} and the cluster's state. */
  void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("not within " + timeout.toSeconds() + " s: " + what + "\n" + describe());
      }
      Thread.sleep(25);
    }
  }

  RaftServer.Division division(int index) {
    RaftNode node = cluster.node(index);
    try {
      NodeInternals internals = node.internals();
      return internals.raftServer().getDivision(internals.groupId());
    } catch (IOException e) {
      throw new IllegalStateException("node " + node.id() + " has no data group", e);
    }
  }

  RateLimiterStateMachine stateMachine(int index) {
    return (RateLimiterStateMachine) division(index).getStateMachine();
  }

  long appliedIndex(int index) {
    return division(index).getInfo().getLastAppliedIndex();
  }

  long commitIndex(int index) {
    return division(index).getRaftLog().getLastCommittedIndex();
  }

  /** The index of the latest snapshot node {@code index} holds, or -1. */
  long snapshotIndex(int index) {
    SnapshotInfo latest = stateMachine(index).getLatestSnapshot();
    return latest == null ? -1 : latest.getIndex();
  }

  /** The first index still in node {@code index}'s log: above 0 once the log was purged. */
  long logStartIndex(int index) {
    return division(index).getRaftLog().getStartIndex();
  }

  /** Every bucket node {@code index} stores, by key, read from the store it applies to. */
  Map<String, BucketState> storeDump(int index) {
    Map<String, BucketState> dump = new TreeMap<>();
    stateMachine(index).currentStore().forEach((key, state) -> dump.put(keyText(key), state));
    return dump;
  }

  private static String keyText(byte[] key) {
    String text = new String(key, StandardCharsets.UTF_8);
    return text.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? text : HexFormat.of().formatHex(key);
  }

  /** One line per node, for failure messages. */
  String describe() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < cluster.size(); i++) {
      out.append("  node ").append(i).append(' ').append(cluster.config(i).nodeId()).append(": ");
      if (!cluster.isRunning(i)) {
        out.append("stopped\n");
        continue;
      }
      try {
        var info = division(i).getInfo();
        out.append(info.getCurrentRole())
            .append(" term=").append(info.getCurrentTerm())
            .append(" leader=").append(info.getLeaderId())
            .append(" applied=").append(info.getLastAppliedIndex())
            .append(" commit=").append(commitIndex(i))
            .append(" logStart=").append(logStartIndex(i))
            .append(" snapshot=").append(snapshotIndex(i))
            .append(" installed=").append(stateMachine(i).snapshotsInstalled())
            .append(" alive=").append(info.isAlive())
            .append('\n');
      } catch (RuntimeException e) {
        out.append("unreadable: ").append(e).append('\n');
      }
    }
    return out.toString();
  }

  @Override
  public void close() {
    closers.forEach(Runnable::run);
    for (RateLimiterClient[] perNode : List.of(clients, pinned)) {
      for (RateLimiterClient client : perNode) {
        if (client != null) {
          client.close();
        }
      }
    }
    cluster.close();
  }
}
