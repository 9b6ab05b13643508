package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code limit.shadow=true} every decision is made and counted as usual, but a refusal is
 * answered as allowed and marked, so limits can be tried on live traffic.
 */
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
      assertEquals(2, node.metrics().registry().counter("decisions.shadow-refused").getCount());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void withoutShadowModeARefusalIsARefusal() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, dir, b -> { })) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(List.of(cluster.node(0).clientAddress())).build()) {
        AcquireRequest request = AcquireRequest.newBuilder().setKey("enforced")
            .setLimit(Limit.newBuilder().setCapacity(1).setRefillPerSecond(0.001)).build();
        assertTrue(client.acquire(request).getAllowed());
        AcquireResponse refused = client.acquire(request);
        assertFalse(refused.getAllowed());
        assertFalse(refused.getShadowRefused());
      }
    }
  }
}
