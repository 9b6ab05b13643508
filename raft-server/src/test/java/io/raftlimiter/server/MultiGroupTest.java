package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four nodes hosting eight groups of three replicas each: every node hosts some groups and not
 * others, so requests are decided locally, forwarded to a leader elsewhere, or both in one batch.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@Tag("cluster")
class MultiGroupTest {
  private static final int NODES = 4;
  private static final int GROUPS = 8;
  private static final int CAPACITY = 20;

  @TempDir Path dir;

  private static AcquireRequest acquire(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(CAPACITY).setRefillPerSecond(0.001)).build();
  }

  private LocalCluster start() throws Exception {
    LocalCluster cluster = LocalCluster.start(NODES, dir, b -> b
        .set(NodeConfigKeys.GROUPS, GROUPS)
        .set(NodeConfigKeys.REPLICATION, 3));
    cluster.awaitLeaders(Duration.ofSeconds(60));
    return cluster;
  }

  /** Two keys per group, found by the same mapping the nodes use. */
  private static List<String> keysCoveringEveryGroup() {
    KeyToGroup map = new KeyToGroup(GROUPS);
    Map<Integer, List<String>> byGroup = new HashMap<>();
    for (int i = 0; byGroup.values().stream().mapToInt(List::size).sum() < 2 * GROUPS; i++) {
      String key = "user-" + i;
      List<String> keys = byGroup.computeIfAbsent(map.groupOf(key), g -> new ArrayList<>());
      if (keys.size() < 2) {
        keys.add(key);
      }
    }
    List<String> all = new ArrayList<>();
    byGroup.values().forEach(all::addAll);
    return all;
  }

  @Test
  void everyGroupEndsUpLedByItsPreferredLeader() throws Exception {
    try (LocalCluster cluster = start()) {
      awaitPreferredLeaders(cluster);
    }
  }

  /** Waits until the balancer has handed every group to its preferred leader. */
  private static void awaitPreferredLeaders(LocalCluster cluster) throws InterruptedException {
    List<String> preferred = new ArrayList<>();
    for (var group : ClusterGroups.dataGroups(cluster.config(0).peers(), GROUPS, 3)) {
      preferred.add(group.getPeers().iterator().next().getId().toString());
    }
    assertTrue(new HashSet<>(preferred).size() > 1, "the ring spreads preferred leaders");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> leaders = leaders(cluster);
    while (!leaders.equals(preferred) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      leaders = leaders(cluster);
    }
    assertEquals(preferred, leaders, "leader of each group");
  }

  private static List<String> leaders(LocalCluster cluster) {
    List<String> leaders = new ArrayList<>();
    for (int g = 0; g < GROUPS; g++) {
      String leader = "?";
      for (int i = 0; i < cluster.size(); i++) {
        if (cluster.node(i).internals().isLeader(g)) {
          leader = cluster.node(i).id();
        }
      }
      leaders.add(leader);
    }
    return leaders;
  }

  @Test
  void everyNodeServesEveryKeyExactlyAndBatchesCrossGroups() throws Exception {
    try (LocalCluster cluster = start()) {
      // Leadership transfers can fail calls in flight with UNAVAILABLE, which a client retries,
      // costing tokens; this test checks exact counts, so it starts once leadership has settled.
      awaitPreferredLeaders(cluster);
      List<RateLimiterClient> clients = new ArrayList<>();
      for (String endpoint : cluster.endpoints()) {
        clients.add(RateLimiterClient.newBuilder().endpoints(List.of(endpoint))
            .deadline(Duration.ofSeconds(10)).build());
      }
      try {
        // Placement: each node hosts some but not all groups, and statuses say which.
        Set<String> hostedAnywhere = new HashSet<>();
        for (int i = 0; i < NODES; i++) {
          NodeStatus status = cluster.node(i).status();
          assertTrue(status.getGroupsCount() > 0 && status.getGroupsCount() < GROUPS,
              "node " + i + " hosts " + status.getGroupsCount() + " groups");
          status.getGroupsList().forEach(g -> hostedAnywhere.add(g.getGroupId()));
        }
        assertEquals(GROUPS, hostedAnywhere.size());

        // Exact limits: every key over every node, 3x its capacity in concurrent calls.
        List<String> keys = keysCoveringEveryGroup();
        Map<String, List<CompletableFuture<AcquireResponse>>> calls = new HashMap<>();
        for (int round = 0; round < 3 * CAPACITY; round++) {
          for (String key : keys) {
            calls.computeIfAbsent(key, k -> new ArrayList<>())
                .add(clients.get(round % NODES).acquireAsync(acquire(key)));
          }
        }
        for (String key : keys) {
          long allowed = 0;
          for (CompletableFuture<AcquireResponse> call : calls.get(key)) {
            allowed += call.get(30, TimeUnit.SECONDS).getAllowed() ? 1 : 0;
          }
          assertEquals(CAPACITY, allowed, key);
        }

        // One batch across all groups, answered in request order, through a single node.
        AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
        List<String> fresh = new ArrayList<>();
        for (String key : keys) {
          fresh.add("batch-" + key);
          batch.addRequests(AcquireRequest.newBuilder().setKey("batch-" + key).setPermits(1)
              .setLimit(Limit.newBuilder().setCapacity(fresh.size()).setRefillPerSecond(1)));
        }
        AcquireBatchResponse answers = clients.get(0).acquireBatch(batch.build());
        for (int i = 0; i < fresh.size(); i++) {
          assertTrue(answers.getResponses(i).getAllowed());
          assertEquals(i + 1, answers.getResponses(i).getLimit().getCapacity(), "order");
          assertEquals(i, answers.getResponses(i).getRemaining());
        }
      } finally {
        clients.forEach(RateLimiterClient::close);
      }

      // Every group keeps its state across a full restart.
      for (int i = 0; i < NODES; i++) {
        cluster.stop(i);
      }
      for (int i = 0; i < NODES; i++) {
        cluster.restart(i);
      }
      cluster.awaitLeaders(Duration.ofSeconds(60));
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build()) {
        for (String key : keysCoveringEveryGroup()) {
          AcquireResponse after = client.acquire(acquire(key));
          assertFalse(after.getAllowed(), key + " was drained before the restart");
          assertEquals(0, after.getRemaining());
        }
      }
    }
  }
}
