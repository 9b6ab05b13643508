package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * In shadow mode, of the node ({@code limit.shadow=true}) or of a rule, every decision is made and
 * counted as usual, but a refusal is answered as allowed and marked, so limits can be tried on
 * live traffic.
 */
@Tag("cluster")
class ShadowModeTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void refusalsAreAllowedMarkedAndCounted() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, dir, b -> b
        .set(NodeConfigKeys.LIMIT_SHADOW, "true"))) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      RaftNode node = cluster.node(0);
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(List.of(node.clientAddress())).build()) {
        for (int i = 0; i < 4; i++) {
          AcquireResponse answer = client.acquire(AcquireRequest.newBuilder().setKey("shadowed")
              .setLimit(Limit.newBuilder().setCapacity(2).setRefillPerSecond(0.001)).build());
          assertTrue(answer.getAllowed(), "shadow mode lets every call through");
          assertEquals(i >= 2, answer.getShadowRefused(), "call " + i + ": " + answer);
          assertEquals(Math.max(0, 1 - i), answer.getRemaining());
        }
      }
      assertEquals(2, node.metrics().rejectedCount(), "refusals are counted as refusals");
      assertEquals(2, node.metrics().allowedCount());
      assertEquals(2, node.metrics().shadowRefusedCount());
    }
  }

  /** A rule in shadow mode: keys under it are let through and marked; others are enforced. */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aRuleInShadowModeShadowsOnlyItsKeys() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, dir, b -> { })) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      ManagedChannel channel = Grpc.newChannelBuilder(cluster.node(0).clientAddress(),
          InsecureChannelCredentials.create()).build();
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(List.of(cluster.node(0).clientAddress())).build()) {
        NodeAdminGrpc.NodeAdminBlockingStub admin = NodeAdminGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS);
        LimitRules rules = admin.setLimit(SetLimitRequest.newBuilder().setRule(LimitRule
            .newBuilder().setPrefix("trial:").setCapacity(1).setRefillPerSecond(0.001)
            .setShadow(true)).build());
        assertTrue(rules.getRules(0).getShadow(), rules.toString());

        AcquireRequest underTrial = AcquireRequest.newBuilder().setKey("trial:k").build();
        assertTrue(client.acquire(underTrial).getAllowed());
        AcquireResponse shadowed = client.acquire(underTrial);
        assertTrue(shadowed.getAllowed() && shadowed.getShadowRefused(), shadowed.toString());

        // Under the rule's prefix but with a limit of its own: that limit is not on trial.
        AcquireRequest ownLimit = AcquireRequest.newBuilder().setKey("trial:own")
            .setLimit(Limit.newBuilder().setCapacity(1).setRefillPerSecond(0.001)).build();
        assertTrue(client.acquire(ownLimit).getAllowed());
        AcquireResponse ownRefused = client.acquire(ownLimit);
        assertFalse(ownRefused.getAllowed() || ownRefused.getShadowRefused(), ownRefused.toString());

        AcquireRequest enforced = AcquireRequest.newBuilder().setKey("enforced")
            .setLimit(Limit.newBuilder().setCapacity(1).setRefillPerSecond(0.001)).build();
        assertTrue(client.acquire(enforced).getAllowed());
        AcquireResponse refused = client.acquire(enforced);
        assertFalse(refused.getAllowed());
        assertFalse(refused.getShadowRefused());

        // Set again without shadow: the rule is enforced.
        admin.setLimit(SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder()
            .setPrefix("trial:").setCapacity(1).setRefillPerSecond(0.001)).build());
        AcquireResponse now = client.acquire(underTrial);
        assertFalse(now.getAllowed() || now.getShadowRefused(), now.toString());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
