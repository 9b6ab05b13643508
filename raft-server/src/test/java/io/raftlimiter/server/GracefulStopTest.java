package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node stopped as SIGTERM stops it reports not ready while it still serves, and hands the
 * leadership of its groups over before it goes: the group has its next leader the moment the
 * node is gone, without waiting an election timeout (300-600 ms here) for its silence to be
 * noticed.
 */
@Tag("cluster")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GracefulStopTest {
  @TempDir Path dir;

  @Test
  void aStoppingLeaderSaysNotReadyServesThroughTheGraceAndHandsItsGroupOver() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir,
        b -> b.set(NodeConfigKeys.SHUTDOWN_GRACE_MS.name(), "600"))) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      cluster.awaitReplicated(Duration.ofSeconds(30));
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      RaftNode stopping = cluster.node(leader);
      String address = stopping.clientAddress();
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(
          () -> cluster.stopGracefully(leader));
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
      while (stopping.readiness().ready() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertFalse(stopping.readiness().ready(), "not ready as soon as it stops");
      try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(address))
          .routeToLeaders(false).maxAttempts(1).deadline(Duration.ofSeconds(2)).build()) {
        assertTrue(client.acquire("during-grace").getAllowed(), "still serving in the grace");
      }
      stopped.get(30, TimeUnit.SECONDS);
      assertTrue(cluster.leaderIndex().isPresent(),
          "the group had its next leader when the node was gone, without an election timeout");
    }
  }

  @Test
  void aStoppingLeaderHandsItsGroupToTheFollowerThatHasRunLongestNotToOneJustRestarted()
      throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir,
        b -> b.set(NodeConfigKeys.SHUTDOWN_GRACE_MS.name(), "300")
            .set(NodeConfigKeys.LEADER_BALANCE_INTERVAL_MS.name(), "0"))) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      cluster.awaitReplicated(Duration.ofSeconds(30));
      int leader = cluster.awaitLeader(Duration.ofSeconds(30));
      int young = (leader + 1) % 3;
      int old = (leader + 2) % 3;
      cluster.stop(young);
      cluster.restart(young);
      String youngId = cluster.config(young).nodeId();
      RaftServer.Division division = cluster.node(leader).internals().raftServer()
          .getDivision(ClusterGroups.dataGroupId(0));
      // the young one answers the leader again, as fresh as the old one: both are heirs
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (division.getInfo().getRoleInfoProto().getLeaderInfo().getFollowerInfoList().stream()
          .noneMatch(f -> f.getId().getId().toStringUtf8().equals(youngId)
              && f.getLastRpcElapsedTimeMs() < 100)) {
        assertTrue(System.nanoTime() < deadline, youngId + " never answered the leader again");
        Thread.sleep(20);
      }

      cluster.stopGracefully(leader);

      assertEquals(Optional.of(old), cluster.leaderIndex(),
          "handed to " + cluster.config(old).nodeId() + ", up since the start, not " + youngId);
    }
  }
}
