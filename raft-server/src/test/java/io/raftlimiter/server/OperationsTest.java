package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterChecks.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's operations surface: Prometheus series that move under load, {@code /healthz},
 * {@code /readyz} and {@code grpc.health.v1} that turn unready when the node's group loses its
 * quorum.
 */
@Tag("cluster")
class OperationsTest {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void metricsMoveAndReadinessFollowsTheQuorum() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> b
        .set(NodeConfigKeys.HTTP_PORT, 0))) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      RaftNode survivor = cluster.node(0);
      String base = "http://127.0.0.1:" + survivor.httpPort();
      assertEquals(200, get(base + "/healthz").statusCode());
      await("n1 never became ready", () -> get(base + "/readyz").statusCode() == 200);
      // gRPC health follows readiness on the node's health timer, up to a second behind /readyz.
      await("gRPC health never SERVING", () -> health(survivor) == ServingStatus.SERVING);
      javax.management.MBeanServer beans =
          java.lang.management.ManagementFactory.getPlatformMBeanServer();
      javax.management.ObjectName n1 = new javax.management.ObjectName(
          "raftlimiter.n1:type=metrics");
      assertTrue(beans.isRegistered(n1), java.util.Arrays.toString(beans.getDomains()));
      assertEquals(0.0, beans.getAttribute(n1, "raftlimiter_requests_shed_total"));
      assertTrue((Double) beans.getAttribute(n1,
          "raftlimiter_decisions_total{mode=\"strong\",outcome=\"allowed\"}") >= 0);
      assertTrue(java.util.Arrays.stream(beans.getDomains()).anyMatch(d -> d.startsWith("ratis")),
          "Ratis' metrics over JMX: " + java.util.Arrays.toString(beans.getDomains()));

      String before = get(base + "/metrics").body();
      assertTrue(before.contains("jvm_memory_used_bytes"), "no JVM metrics");
      assertTrue(before.contains("raftlimiter_group_term{group=\"0\"}"), before);
      assertEquals(-1, value(before, "raftlimiter_group_snapshot_age_seconds{group=\"0\"}"),
          "no snapshot yet");
      assertEquals(0, value(before, "raftlimiter_group_queued_ops{group=\"0\"}"));
      // present (the founding groups' moves to their full replica sets may already count)
      assertTrue(value(before, "raftlimiter_controller_moves_total") >= 0);
      assertTrue(before.contains("raftlimiter_requests_shed_total"), "no node counters");
      assertTrue(before.contains("member=\"n1@group-"), "no Ratis metrics of n1");
      assertFalse(before.contains("member=\"n2@"), "another node's Ratis metrics");
      try (RateLimiterClient client = RateLimiterClient.newBuilder()
          .endpoints(java.util.List.of(survivor.clientAddress())).build()) {
        for (int i = 0; i < 20; i++) {
          client.acquire(request("k-" + i, Consistency.CONSISTENCY_STRONG));
          client.acquire(request("k-" + i, Consistency.CONSISTENCY_EVENTUAL));
        }
      }
      String after = get(base + "/metrics").body();
      assertEquals(20, value(after,
          "raftlimiter_decisions_total{mode=\"strong\",outcome=\"allowed\"}")
          - value(before, "raftlimiter_decisions_total{mode=\"strong\",outcome=\"allowed\"}"));
      assertEquals(20, value(after,
          "raftlimiter_decisions_total{mode=\"eventual\",outcome=\"allowed\"}"));
      assertTrue(value(after, "raftlimiter_decision_latency_seconds_count{mode=\"strong\"}")
          >= 20, after);
      assertTrue(value(after, "raftlimiter_group_applied_index{group=\"0\"}")
          > value(before, "raftlimiter_group_applied_index{group=\"0\"}"));

      // Decisions as JSON over HTTP, through every node, to the exact limit.
      int allowed = 0;
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> answer = post("http://127.0.0.1:" + cluster.node(i % 3).httpPort()
            + "/v1/acquire", "{\"key\":\"json-1\",\"limit\":{\"capacity\":3,"
            + "\"refillPerSecond\":0.001}}");
        if (answer.statusCode() == 200) {
          allowed++;
          assertTrue(answer.body().contains("\"allowed\":true"), answer.body());
        } else {
          assertEquals(429, answer.statusCode(), answer.body());
          assertTrue(Long.parseLong(answer.headers().firstValue("Retry-After").orElseThrow()) > 0);
        }
        assertEquals("\"bucket\";q=3;w=3000",
            answer.headers().firstValue("RateLimit-Policy").orElseThrow());
        assertTrue(answer.headers().firstValue("RateLimit").orElseThrow()
            .startsWith("\"bucket\";r=" + Math.max(0, 2 - i) + ";t="), answer.headers().map()
            .toString());
      }
      assertEquals(3, allowed);
      HttpResponse<String> invalid = post(base + "/v1/acquire", "{\"key\":\"x\",\"permits\":-1}");
      assertEquals(400, invalid.statusCode());
      assertTrue(invalid.body().contains("INVALID_ARGUMENT") && invalid.body().contains("permits"),
          invalid.body());
      assertEquals(400, post(base + "/v1/acquire", "{\"key\": ").statusCode());
      assertEquals(400, post(base + "/v1/acquire", "{\"no-such-field\":1}").statusCode());
      assertEquals(405, get(base + "/v1/acquire").statusCode());
      HttpResponse<String> batch = post(base + "/v1/acquire-batch", "{\"requests\":["
          + "{\"key\":\"json-1\"},{\"key\":\"json-2\"}]}");
      assertEquals(200, batch.statusCode(), batch.body());
      assertEquals(2, batch.body().split("\"limit\":", -1).length - 1, batch.body());
      HttpResponse<String> badBatch = post(base + "/v1/acquire-batch", "{\"requests\":["
          + "{\"key\":\"json-1\"},{\"key\":\"\"}]}");
      assertEquals(400, badBatch.statusCode());
      assertTrue(badBatch.body().contains("requests[1]: key must not be empty"), badBatch.body());

      // Two of three nodes gone: n1's group has no quorum, so no leader, and n1 is not ready.
      cluster.stop(1);
      cluster.stop(2);
      await("n1 stayed ready without quorum", () -> get(base + "/readyz").statusCode() == 503);
      String reasons = get(base + "/readyz").body();
      assertTrue(reasons.contains("\"ready\":false") && reasons.contains("group 0 has no leader"),
          reasons);
      await("gRPC health stayed SERVING", () -> health(survivor) == ServingStatus.NOT_SERVING);
      assertEquals(0, value(get(base + "/metrics").body(), "raftlimiter_ready"));
      assertEquals(200, get(base + "/healthz").statusCode(), "the process still answers");
      assertEquals(404, get(base + "/nothing-here").statusCode());
    }
  }

  private static AcquireRequest request(String key, Consistency consistency) {
    return AcquireRequest.newBuilder().setKey(key).setConsistency(consistency)
        .setLimit(Limit.newBuilder().setCapacity(100).setRefillPerSecond(1)).build();
  }

  private static ServingStatus health(RaftNode node) {
    ManagedChannel channel = Grpc.newChannelBuilder(node.clientAddress(),
        InsecureChannelCredentials.create()).build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      channel.shutdownNow();
    }
  }

  /** The value of the series named exactly {@code series} (name and labels) in a scrape. */
  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    if (!m.find()) {
      fail("no series " + series + " in:\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  private static HttpResponse<String> post(String url, String json) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("POST " + url + ": " + e, e);
    }
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    }
  }
}
