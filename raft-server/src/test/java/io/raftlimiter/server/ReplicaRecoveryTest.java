package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterChecks.await;
import static io.raftlimiter.server.ClusterChecks.keysCoveringEveryGroup;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.control.ReplicaController;
import io.raftlimiter.server.local.LocalCluster;
import io.raftlimiter.server.ops.Readiness;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node dies: the controller marks it dead and moves its replicas to the next live nodes of the
 * ring, so every group is back to its replication factor without an operator, and no bucket
 * state is lost. The node returns: it is marked alive, the groups move back to where the ring of
 * all nodes puts them, and it keeps only the replicas it is given.
 */
@Tag("cluster")
class ReplicaRecoveryTest {
  private static final int NODES = 4;
  private static final int GROUPS = 4;
  private static final int REPLICATION = 3;
  private static final int CAPACITY = 5;

  @TempDir Path dir;

  private LocalCluster startCluster() throws IOException {
    return LocalCluster.start(NODES, dir, b -> b
        .set(NodeConfigKeys.GROUPS, GROUPS)
        .set(NodeConfigKeys.REPLICATION, REPLICATION)
        .set(NodeConfigKeys.DEAD_AFTER_MS, 1_500)
        .set(NodeConfigKeys.CONTROLLER_INTERVAL_MS, 200));
  }

  private static RateLimiterClient clientOf(LocalCluster cluster) {
    return RateLimiterClient.newBuilder()
        .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build();
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aDeadNodesReplicasAreReplacedAndItRejoinsWhenItReturns() throws Exception {
    try (LocalCluster cluster = startCluster();
         RateLimiterClient client = clientOf(cluster)) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      List<String> drained = keysCoveringEveryGroup(GROUPS);
      for (String key : drained) {
        for (int i = 0; i < CAPACITY; i++) {
          assertTrue(client.acquire(acquire(key)).getAllowed());
        }
        assertFalse(client.acquire(acquire(key)).getAllowed());
      }

      // n4 is not in the metadata group (the first three by id), so the controller goes on.
      int victim = NODES - 1;
      String victimId = cluster.node(victim).id();
      // The founding groups grown to where the ring of all nodes puts them, so that the moves
      // counted from here are the dead node's replacements.
      List<List<String>> founded = new PlacementRing(List.of("n1", "n2", "n3", "n4"))
          .placement(GROUPS, REPLICATION);
      await(cluster, "every group on its " + REPLICATION + " replicas",
          () -> placedAsRingSays(cluster, cluster.node(0).metadata(), founded));
      long movesBefore = moves(cluster, victim);
      cluster.stop(victim);
      long stoppedAt = System.nanoTime();
      List<String> live = List.of("n1", "n2", "n3");
      List<List<String>> withoutVictim = new PlacementRing(live).placement(GROUPS, REPLICATION);
      await(cluster, "every group back to " + REPLICATION + " live replicas", () -> {
        ClusterMetadata m = cluster.node(0).metadata();
        return m.membership().dead().contains(victimId)
            && placedAsRingSays(cluster, m, withoutVictim);
      });
      System.out.printf("replication restored %d ms after the node stopped%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt));
      long groupsOnVictim = founded.stream().filter(g -> g.contains(victimId)).count();
      assertTrue(groupsOnVictim > 0);
      // A move is counted once its replicas are recorded, so the count may trail what the
      // metadata already shows by a moment.
      await(cluster, groupsOnVictim + " moves counted for the groups that lost a replica",
          () -> moves(cluster, victim) - movesBefore >= groupsOnVictim);
      for (String key : drained) {
        assertFalse(client.acquire(acquire(key)).getAllowed(), key + " is still drained");
      }
      assertTrue(client.acquire(acquire("fresh-after-death")).getAllowed());

      cluster.restart(victim);
      List<String> all = List.of("n1", "n2", "n3", "n4");
      List<List<String>> withEveryone = new PlacementRing(all).placement(GROUPS, REPLICATION);
      await(cluster, "the returned node alive and the groups placed by the ring of all nodes",
          () -> {
            ClusterMetadata m = cluster.node(0).metadata();
            return !m.membership().dead().contains(victimId)
                && placedAsRingSays(cluster, m, withEveryone)
                && hostsExactly(cluster, victim, withEveryone);
          });
      for (String key : drained) {
        assertFalse(client.acquire(acquire(key)).getAllowed(), key + " is still drained");
      }
      for (int node = 0; node < NODES; node++) {
        assertTrue(cluster.node(node).status().getMetadataProblem().isEmpty());
      }
    }
  }

  /**
   * Ratis stops a replica whose state machine threw (apply, snapshot), but the server keeps it
   * registered. Its node reports it as failed and turns unready, and the controller replaces the
   * copy; the node is ready again once its copy of the group is a running one.
   */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aReplicaThatStoppedIsReportedAndReplaced() throws Exception {
    try (LocalCluster cluster = startCluster();
         RateLimiterClient client = clientOf(cluster)) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      List<List<String>> placement = new PlacementRing(List.of("n1", "n2", "n3", "n4"))
          .placement(GROUPS, REPLICATION);
      int victim = NODES - 1; // not in the metadata group, so the controller goes on
      await(cluster, "every group on its " + REPLICATION + " replicas, and no stray copies",
          () -> placedAsRingSays(cluster, cluster.node(0).metadata(), placement)
              && hostsExactly(cluster, victim, placement));
      List<String> drained = keysCoveringEveryGroup(GROUPS);
      for (String key : drained) {
        for (int i = 0; i < CAPACITY; i++) {
          assertTrue(client.acquire(acquire(key)).getAllowed());
        }
      }
      GroupStatus copy = cluster.node(victim).status().getGroupsList().stream()
          .filter(g -> !g.getRole().equals("LEADER")).findFirst().orElseThrow();
      RaftGroupId groupId = RaftGroupId.valueOf(UUID.fromString(copy.getGroupId()));

      // What Ratis does to a replica whose state machine threw; closing takes seconds, and the
      // controller may already act on the report meanwhile, so the report is watched from here.
      RaftServer.Division division =
          cluster.node(victim).internals().raftServer().getDivision(groupId);
      Thread closer = new Thread(division::close, "closer");
      closer.start();
      Readiness whenFailed = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (whenFailed == null && System.nanoTime() < deadline) {
        GroupStatus reported = groupStatus(cluster, victim, copy.getIndex());
        if (reported != null && reported.getRole().equals("FAILED")) {
          whenFailed = cluster.node(victim).readiness();
        }
        Thread.sleep(2);
      }
      closer.join();
      assertNotNull(whenFailed, "the stopped replica was never reported as failed");
      assertFalse(whenFailed.ready());
      assertTrue(whenFailed.reasons().toString().contains("group " + copy.getIndex()),
          whenFailed.reasons().toString());
      await(cluster, "the stopped copy replaced by a running one, and its node ready", () -> {
        GroupStatus now = groupStatus(cluster, victim, copy.getIndex());
        return placedAsRingSays(cluster, cluster.node(0).metadata(), placement)
            && now != null && !now.getRole().equals("FAILED")
            && now.getAppliedIndex() > 0 && cluster.node(victim).readiness().ready();
      });
      for (String key : drained) {
        assertFalse(client.acquire(acquire(key)).getAllowed(), key + " is still drained");
      }
    }
  }

  private static GroupStatus groupStatus(LocalCluster cluster, int node, int group) {
    return cluster.node(node).status().getGroupsList().stream()
        .filter(g -> g.getIndex() == group).findFirst().orElse(null);
  }

  /** Replica moves counted by the nodes before {@code end}. */
  private static long moves(LocalCluster cluster, int end) {
    long moves = 0;
    for (int node = 0; node < end; node++) {
      moves += cluster.node(node).metrics().count(ReplicaController.MOVES_METRIC);
    }
    return moves;
  }

  /** The metadata and every group's leader agree with {@code placement} (as sets of replicas). */
  private static boolean placedAsRingSays(LocalCluster cluster, ClusterMetadata metadata,
      List<List<String>> placement) {
    Map<Integer, Set<String>> leaderConf = leaderConfigurations(cluster);
    for (int g = 0; g < GROUPS; g++) {
      Set<String> wanted = Set.copyOf(placement.get(g));
      List<String> recorded = metadata.membership().replicas().get(g);
      boolean recordedRight = recorded == null
          ? wanted.equals(Set.copyOf(new PlacementRing(List.of("n1", "n2", "n3", "n4"))
              .placement(GROUPS, REPLICATION).get(g)))
          : wanted.equals(Set.copyOf(recorded));
      if (!recordedRight || !wanted.equals(leaderConf.get(g))) {
        return false;
      }
    }
    return true;
  }

  private static boolean hostsExactly(LocalCluster cluster, int node,
      List<List<String>> placement) {
    String id = cluster.node(node).id();
    Set<Integer> hosted = new HashSet<>();
    cluster.node(node).status().getGroupsList().forEach(g -> hosted.add(g.getIndex()));
    Set<Integer> wanted = new HashSet<>();
    for (int g = 0; g < GROUPS; g++) {
      if (placement.get(g).contains(id)) {
        wanted.add(g);
      }
    }
    return hosted.equals(wanted);
  }

  private static Map<Integer, Set<String>> leaderConfigurations(LocalCluster cluster) {
    Map<Integer, Set<String>> conf = new HashMap<>();
    for (int node = 0; node < NODES; node++) {
      if (!cluster.isRunning(node)) {
        continue;
      }
      for (GroupStatus g : cluster.node(node).status().getGroupsList()) {
        if (g.getRole().equals("LEADER")) {
          conf.put(g.getIndex(), new HashSet<>(g.getPeerIdsList()));
        }
      }
    }
    return conf;
  }

  private static AcquireRequest acquire(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(CAPACITY).setRefillPerSecond(0.001)).build();
  }
}
