package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Java client routes single acquires to their group's leader and follows leader moves. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@Tag("cluster")
class ClientRoutingTest {
  private static final int GROUPS = 6;

  @TempDir Path dir;

  private static long forwarded(LocalCluster cluster) {
    long total = 0;
    for (int i = 0; i < cluster.size(); i++) {
      total += cluster.node(i).metrics().forwardedCount();
    }
    return total;
  }

  private static long sendKeys(RateLimiterClient client, String prefix, int count) {
    long allowed = 0;
    for (int i = 0; i < count; i++) {
      allowed += client.acquire(AcquireRequest.newBuilder().setKey(prefix + i).setPermits(1).build())
          .getAllowed() ? 1 : 0;
    }
    return allowed;
  }

  @Test
  void routesToLeadersAndFollowsAMovedLeader() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> b
        .set(NodeConfigKeys.GROUPS, GROUPS)
        .set(NodeConfigKeys.LEADER_BALANCE_INTERVAL_MS, 0)); // the test moves leaders itself
        RateLimiterClient routing = RateLimiterClient.newBuilder()
            .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build();
        RateLimiterClient blind = RateLimiterClient.newBuilder().routeToLeaders(false)
            .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build()) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      sendKeys(routing, "warm-", 20); // loads the view (and refreshes it on forwarded calls)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!routing.hasLeaderView() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(routing.hasLeaderView(), "the client fetched a view");

      long before = forwarded(cluster);
      assertEquals(300, sendKeys(routing, "routed-", 300));
      long routedForwards = forwarded(cluster) - before;
      before = forwarded(cluster);
      assertEquals(300, sendKeys(blind, "blind-", 300));
      long blindForwards = forwarded(cluster) - before;
      assertTrue(routedForwards <= 15, "routed calls forwarded: " + routedForwards);
      assertTrue(blindForwards >= 100, "calls taking turns forwarded: " + blindForwards);

      // Move the leader of group 0 to another replica: the client learns it from a stale hint.
      int leader = -1;
      for (int i = 0; i < cluster.size(); i++) {
        if (cluster.node(i).internals().isLeader(0)) {
          leader = i;
        }
      }
      RaftGroup group0 = RaftGroup.valueOf(cluster.node(leader).internals().groupId(),
          cluster.node(leader).internals().groupPeers());
      try (RaftClient admin = RaftClient.newBuilder().setRaftGroup(group0)
          .setProperties(new RaftProperties()).build()) {
        String leaderId = cluster.node(leader).id();
        RaftPeer newLeader = group0.getPeers().stream()
            .filter(p -> !p.getId().toString().equals(leaderId)).findFirst().orElseThrow();
        assertTrue(admin.admin().transferLeadership(newLeader.getId(), 10_000).isSuccess());
      }
      KeyToGroup keyToGroup = new KeyToGroup(GROUPS);
      List<String> group0Keys = new java.util.ArrayList<>();
      for (int i = 0; group0Keys.size() < 60; i++) {
        if (keyToGroup.groupOf("moved-" + i) == 0) {
          group0Keys.add("moved-" + i);
        }
      }
      before = forwarded(cluster);
      for (String key : group0Keys.subList(0, 10)) {
        assertTrue(routing.acquire(AcquireRequest.newBuilder().setKey(key).build()).getAllowed());
      }
      Thread.sleep(500); // the refresh the stale hint started
      long afterMove = forwarded(cluster);
      for (String key : group0Keys.subList(10, 60)) {
        assertTrue(routing.acquire(AcquireRequest.newBuilder().setKey(key).build()).getAllowed());
      }
      assertTrue(afterMove - before >= 1, "the old leader forwarded and said so");
      assertTrue(forwarded(cluster) - afterMove <= 2,
          "after the refresh, calls go to the new leader: " + (forwarded(cluster) - afterMove));
    }
  }
}
