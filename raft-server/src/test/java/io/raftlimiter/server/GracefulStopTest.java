package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
}
