package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterChecks.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata group moves off a dead replica like a data group does, and where it moved is
 * recorded in the metadata itself: with its founding replicas n1..n3 fixed, losing n3 and then n1
 * left it one replica of three, and no rule could change nor any replica move from then on.
 */
@Tag("cluster")
class MetadataMoveTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void theMetadataGroupLeavesDeadReplicasAndKeepsAMajority() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(5, dir, b -> b
        .set(NodeConfigKeys.GROUPS, 2)
        .set(NodeConfigKeys.REPLICATION, 3)
        .set(NodeConfigKeys.DEAD_AFTER_MS, 1_500)
        .set(NodeConfigKeys.CONTROLLER_INTERVAL_MS, 200)
        .set(NodeConfigKeys.METADATA_REFRESH_INTERVAL_MS, 200))) {
      cluster.awaitLeaders(Duration.ofSeconds(60));

      cluster.stop(2); // n3, a founding metadata replica
      await(cluster, "the metadata group moved from n3 to n4",
          () -> onReplicas(cluster, 4, Set.of("n1", "n2", "n4")));

      cluster.stop(0); // n1: the group keeps n2 and n4, a majority of its three
      ManagedChannel channel = ManagedChannelBuilder
          .forTarget(cluster.node(4).clientAddress()).usePlaintext().build();
      LimitRules rules;
      try {
        rules = NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS)
            .setLimit(SetLimitRequest.newBuilder()
                .setRule(LimitRule.newBuilder().setPrefix("after-two-losses:").setCapacity(5)
                    .setRefillPerSecond(1))
                .build());
      } finally {
        channel.shutdownNow();
      }
      assertEquals(List.of("after-two-losses:"),
          rules.getRulesList().stream().map(LimitRule::getPrefix).toList());
      await(cluster, "the metadata group moved from n1 to n5",
          () -> onReplicas(cluster, 4, Set.of("n2", "n4", "n5")));
    }
  }

  /**
   * Whether node {@code index}'s metadata records the metadata group on {@code replicas}, and each
   * of them hosts a replica whose configuration is exactly those.
   */
  private static boolean onReplicas(LocalCluster cluster, int index, Set<String> replicas) {
    if (!Set.copyOf(cluster.node(index).metadata().membership().metadataReplicas())
        .equals(replicas)) {
      return false;
    }
    for (int i = 0; i < cluster.size(); i++) {
      if (!cluster.isRunning(i) || !replicas.contains(cluster.node(i).id())) {
        continue;
      }
      try {
        var conf = cluster.node(i).internals().raftServer().getDivision(ClusterGroups.metaGroupId())
            .getRaftConf();
        Set<String> peers = Set.copyOf(conf.getCurrentPeers().stream()
            .map(p -> p.getId().toString()).toList());
        if (!peers.equals(replicas)) {
          return false;
        }
      } catch (IOException e) {
        return false; // not formatted there yet
      }
    }
    return true;
  }
}
