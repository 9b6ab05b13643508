package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterChecks.await;
import static io.raftlimiter.server.ClusterChecks.describe;
import static io.raftlimiter.server.ClusterChecks.keysCoveringEveryGroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cluster restarts, started all at once as {@code rlctl cluster up} and a StatefulSet
 * with {@code podManagementPolicy: Parallel} start it, and n1 (the metadata group's founder and
 * a data group's founder) lost its disk meanwhile. It used to probe its peers for a second
 * before they listened, take itself for a founding member of a new cluster, found a metadata
 * group and its data groups alone and decide from full buckets without the rules. Now a peer
 * that restarted on its old storage tells it the cluster is not new: it founds nothing and is
 * filled again as a member that lost its disk.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@Tag("cluster")
class WipedFounderRestartTest {
  private static final int GROUPS = 3;
  private static final int CAPACITY = 5;
  private static final double SLOW_REFILL_PER_SECOND = 0.001;
  private static final String RULED_PREFIX = "ruled:";
  private static final long RULED_CAPACITY = 2;

  @TempDir Path dir;

  @Test
  void aWipedFounderStartedWithItsPeersFoundsNothing() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> b
        .set(NodeConfigKeys.GROUPS, GROUPS)
        .set(NodeConfigKeys.DEAD_AFTER_MS, 1_500)
        .set(NodeConfigKeys.CONTROLLER_INTERVAL_MS, 200))) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      List<String> drained = keysCoveringEveryGroup(GROUPS);
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build()) {
        for (String key : drained) {
          for (int i = 0; i < CAPACITY; i++) {
            assertTrue(client.acquire(acquire(key)).getAllowed(), key);
          }
          assertFalse(client.acquire(acquire(key)).getAllowed(), key + " is drained");
        }
      }
      ManagedChannel channel = ManagedChannelBuilder
          .forTarget(cluster.node(1).clientAddress()).usePlaintext().build();
      try {
        NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .setLimit(SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder()
                .setPrefix(RULED_PREFIX).setCapacity(RULED_CAPACITY)
                .setRefillPerSecond(SLOW_REFILL_PER_SECOND)).build());
      } finally {
        channel.shutdownNow();
      }
      String oldStorage = cluster.node(0).status().getStorageId();

      for (int i = 0; i < cluster.size(); i++) {
        cluster.stop(i);
      }
      cluster.wipe(0);
      startAllAtOnce(cluster);

      List<String> foundedAlone = cluster.node(0).status().getGroupsList().stream()
          .filter(g -> g.getPeerIdsList().equals(List.of("n1"))).map(g -> "group " + g.getIndex())
          .collect(Collectors.toCollection(ArrayList::new));
      if (cluster.node(0).status().getMetadataGroup().getPeerIdsList().equals(List.of("n1"))) {
        foundedAlone.add("the metadata group");
      }
      assertEquals(List.of(), foundedAlone, "the wiped node founded groups alone\n"
          + describe(cluster));
      // Through the wiped node itself: it must not answer from groups of its own.
      try (RateLimiterClient throughWiped = RateLimiterClient.newBuilder()
          .endpoints(List.of(cluster.endpoints().get(0))).deadline(Duration.ofSeconds(10))
          .build()) {
        for (String key : drained) {
          try {
            assertFalse(throughWiped.acquire(acquire(key)).getAllowed(),
                key + " allowed again through the wiped node at its start\n" + describe(cluster));
          } catch (StatusRuntimeException notReadyYet) {
            // refusing to decide is right while it holds nothing
          }
        }
        await(cluster, "the wiped node ready", () -> cluster.node(0).readiness().ready());
        for (String key : drained) {
          assertFalse(throughWiped.acquire(acquire(key)).getAllowed(),
              key + " allowed again through the wiped node\n" + describe(cluster));
        }
        for (int i = 0; i < RULED_CAPACITY; i++) {
          assertTrue(throughWiped.acquire(ruled("ruled:k")).getAllowed());
        }
        assertFalse(throughWiped.acquire(ruled("ruled:k")).getAllowed(),
            "the rule's capacity does not hold through the wiped node\n" + describe(cluster));
      }
      await(cluster, "the wiped node a member again, on new storage, with its replicas back",
          () -> {
            String recorded = cluster.node(1).metadata().membership().storageIds().get("n1");
            return recorded != null && !recorded.equals(oldStorage)
                && recorded.equals(cluster.node(0).status().getStorageId())
                && cluster.node(0).status().getGroupsList().stream()
                    .filter(g -> g.getAppliedIndex() > 0 && g.getPeerIdsCount() == 3).count()
                    == GROUPS
                && cluster.node(0).status().getMetadataGroup().getAppliedIndex() > 0;
          });
      assertEquals(Map.of(), problems(cluster));
    }
  }

  /** Starts every stopped node in a thread of its own, as process managers do. */
  private static void startAllAtOnce(LocalCluster cluster) throws Exception {
    ExecutorService starters = Executors.newFixedThreadPool(cluster.size());
    try {
      List<Future<RaftNode>> started = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        int index = i;
        started.add(starters.submit(() -> cluster.restart(index)));
      }
      for (Future<RaftNode> node : started) {
        node.get(60, TimeUnit.SECONDS);
      }
    } finally {
      starters.shutdownNow();
    }
  }

  private static Map<String, String> problems(LocalCluster cluster) {
    Map<String, String> problems = new TreeMap<>();
    for (int i = 0; i < cluster.size(); i++) {
      String problem = cluster.node(i).status().getMetadataProblem();
      if (!problem.isEmpty()) {
        problems.put(cluster.node(i).id(), problem);
      }
    }
    return problems;
  }

  private static AcquireRequest acquire(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(CAPACITY)
            .setRefillPerSecond(SLOW_REFILL_PER_SECOND)).build();
  }

  /** No limit in the request: the rule decides. */
  private static AcquireRequest ruled(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1).build();
  }
}
