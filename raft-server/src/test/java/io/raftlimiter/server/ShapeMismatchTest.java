package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node restarted with another {@code cluster.groups} than the cluster was created with maps
 * keys to other groups than its peers, and could admit a key's tokens twice. It used to log the
 * mismatch and serve; it now refuses every decision, naming the settings, while the others serve,
 * and from its very first call, not only once it has read the metadata group again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class ShapeMismatchTest {
  @TempDir Path dir;

  @Test
  void aNodeWithAnotherGroupCountRefusesToDecide() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.GROUPS, 2))) {
      fixture.cluster().stop(2);
      NodeConfig wrong = fixture.cluster().config(2).toBuilder()
          .set(NodeConfigKeys.GROUPS, 4).build();
      try (RaftNode node = RaftNode.start(wrong);
          RateLimiterClient client = RateLimiterClient.newBuilder()
              .endpoints(List.of(wrong.self().clientAddress())).maxAttempts(1)
              // Asks this node itself: routed to a group's leader, the call would be decided
              // by a node whose settings agree with the cluster.
              .routeToLeaders(false)
              .deadline(Duration.ofSeconds(5)).build()) {
        // From its first call: it checked the cluster's shape when it ran before, and keeps
        // what it found, so it need not wait for the metadata group to know it differs.
        StatusRuntimeException first = assertThrows(StatusRuntimeException.class,
            () -> client.acquire(request("k", 5, 1)));
        assertEquals(Status.Code.UNAVAILABLE, first.getStatus().getCode());
        assertTrue(first.getStatus().getDescription().contains("cluster.groups=4"),
            first.getStatus().getDescription());
        assertTrue(node.status().getMetadataProblem().contains("cluster.groups=2"),
            node.status().getMetadataProblem());
        assertFalse(node.readiness().ready(), node.readiness().reasons().toString());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
            () -> client.acquire(request("k", 5, 1)));
        assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
        String message = refused.getStatus().getDescription();
        assertTrue(message.contains("cluster.groups=4") && message.contains("cluster.groups=2"),
            message);
        assertTrue(fixture.client(0).acquire(request("k", 5, 1)).getAllowed(),
            "the others serve");
      }
    }
  }
}
