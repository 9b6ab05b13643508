package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.cli.RlctlProcess.Run;
import io.raftlimiter.client.RateLimiterClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations surface of node processes as {@code rlctl cluster up} starts them: every node's
 * HTTP listener from {@code D/http-endpoints}, its Prometheus series moving under load in every
 * mode, {@code POST /v1/acquire} and Envoy's {@code ShouldRateLimit} deciding exactly through
 * all of them, a rule in shadow mode letting through what it counts as over, and {@code /readyz} and {@code grpc.health.v1} turning unready on the node left without
 * a quorum when the other two are killed.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class OperationsIT {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private static final List<String> DOCUMENTED = List.of(
      "raftlimiter_decisions_total", "raftlimiter_decision_latency_seconds_bucket",
      "raftlimiter_requests_shed_total", "raftlimiter_requests_invalid_total",
      "raftlimiter_acquires_forwarded_total", "raftlimiter_group_leader",
      "raftlimiter_group_term", "raftlimiter_group_applied_index",
      "raftlimiter_group_commit_index", "raftlimiter_group_snapshot_age_seconds",
      "raftlimiter_group_queued_ops", "raftlimiter_controller_moves_total",
      "raftlimiter_metadata_version",
      "raftlimiter_dead_nodes", "raftlimiter_eventual_owed_hits", "raftlimiter_eventual_views",
      "raftlimiter_leases", "raftlimiter_leased_tokens", "raftlimiter_ready",
      "raftlimiter_background_task_failures_total", "jvm_memory_used_bytes",
      "raftlimiter_limit_decisions_total", "raftlimiter_http_requests_total",
      "raftlimiter_entry_ops_bucket", "raftlimiter_entry_holds_total",
      "raftlimiter_forward_hold_seconds_total", "raftlimiter_time_stamps_clamped_total",
      "ratis_log_worker_flush_time_seconds", "ratis_leader_election_election_count_total");

  @TempDir Path work;
  private Path clusterDir;

  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void everyNodeExportsMetricsAndHealth() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = RlctlProcess.run("cluster", "up", "--nodes", "3", "--dir", clusterDir.toString(),
        "--capacity", "1000", "--refill", "1", "--jvm-opts", "-Xmx256m");
    assertEquals(0, up.exitCode(), up.out());
    Map<String, String> http = new TreeMap<>();
    for (String line : Files.readAllLines(clusterDir.resolve("http-endpoints"))) {
      String[] parts = line.split(" ");
      assertEquals(2, parts.length, line);
      http.put(parts[0], "http://" + parts[1]);
    }
    assertEquals(List.of("n1", "n2", "n3"), List.copyOf(http.keySet()));
    List<String> lines = Files.readAllLines(clusterDir.resolve("endpoints"));
    List<String> clients = lines.stream().map(l -> l.split(" ")[1]).toList();

    Map<String, String> before = new TreeMap<>();
    for (Map.Entry<String, String> node : http.entrySet()) {
      await(() -> get(node.getValue() + "/readyz").statusCode() == 200,
          node.getKey() + " never became ready");
      assertEquals(200, get(node.getValue() + "/healthz").statusCode());
      String scrape = get(node.getValue() + "/metrics").body();
      for (String series : DOCUMENTED) {
        assertTrue(scrape.contains(series), node.getKey() + " lacks " + series);
      }
      // Prometheus' conventions: snake_case names, no node ids in them (those are labels)
      for (String line : scrape.split("\n")) {
        String name = line.startsWith("#") ? "" : line.split("[{ ]")[0];
        assertTrue(name.equals(name.toLowerCase(java.util.Locale.ROOT)), "not snake_case: " + line);
        assertTrue(!name.matches(".*_n[0-9]+_.*"), "a node id in a name: " + line);
      }
      before.put(node.getKey(), scrape);
    }
    // What the dashboard and the alerting rules of deploy/monitoring read is really exported.
    assertTrue(MonitoringKit.seriesRead().size() >= 20, MonitoringKit.seriesRead().toString());
    for (String series : MonitoringKit.seriesRead()) {
      assertTrue(before.values().stream().anyMatch(scrape -> scrape.contains("\n" + series + "{")
          || scrape.contains("\n" + series + " ")),
          "deploy/monitoring reads " + series + ", which no node exports");
    }
    for (String client : clients) {
      // gRPC health follows readiness on the node's health timer, up to a second behind /readyz.
      await(() -> health(client) == ServingStatus.SERVING, client + " never SERVING over gRPC");
    }

    int each = 30;
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(clients).build()) {
      for (int i = 0; i < each; i++) {
        for (Consistency mode : List.of(Consistency.CONSISTENCY_STRONG,
            Consistency.CONSISTENCY_EVENTUAL, Consistency.CONSISTENCY_LEASED)) {
          assertTrue(client.acquire(AcquireRequest.newBuilder().setKey("ops-" + i)
              .setConsistency(mode).build()).getAllowed());
        }
      }
    }
    for (String mode : List.of("strong", "eventual", "leased")) {
      String series = "raftlimiter_decisions_total{mode=\"" + mode + "\",outcome=\"allowed\"}";
      double moved = 0;
      for (Map.Entry<String, String> node : http.entrySet()) {
        String after = get(node.getValue() + "/metrics").body();
        moved += value(after, series) - value(before.get(node.getKey()), series);
      }
      assertEquals(each, moved, series + " summed over the nodes");
    }

    // JSON over HTTP, through the three nodes in turn, to the exact limit.
    List<String> nodes = List.copyOf(http.values());
    int allowed = 0;
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
          URI.create(nodes.get(i % 3) + "/v1/acquire")).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"http-1\",\"limit\":"
              + "{\"capacity\":4,\"refillPerSecond\":0.001}}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(answer.statusCode() == 200 || answer.statusCode() == 429, answer.body());
      allowed += answer.statusCode() == 200 ? 1 : 0;
    }
    assertEquals(4, allowed, "POST /v1/acquire over three nodes");

    // A rule in shadow mode: what it counts as over is let through, marked and counted.
    Run shadowRule = RlctlProcess.run("limits", "set", "trial:", "--capacity", "1", "--refill",
        "0.001", "--shadow", "--dir=" + clusterDir);
    assertEquals(0, shadowRule.exitCode(), shadowRule.out());
    assertTrue(shadowRule.out().contains("shadow"), shadowRule.out());
    double shadowedBefore = 0;
    for (String node : nodes) {
      shadowedBefore += value(get(node + "/metrics").body(),
          "raftlimiter_decisions_shadow_refused_total");
    }
    for (int i = 0; i < 3; i++) {
      // n1, which took the rule (rlctl on D asks it first), decides by it at once
      HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
          URI.create(nodes.get(0) + "/v1/acquire")).timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"trial:alice\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, answer.statusCode(), answer.body());
      assertEquals(i > 0, answer.body().contains("\"shadowRefused\":true"), answer.body());
    }
    double shadowedAfter = 0;
    for (String node : nodes) {
      shadowedAfter += value(get(node + "/metrics").body(),
          "raftlimiter_decisions_shadow_refused_total");
    }
    assertEquals(2, shadowedAfter - shadowedBefore, "shadowed refusals counted");

    // Envoy's ShouldRateLimit, through Envoy's own stubs, over the three client ports in turn.
    RateLimitRequest envoyRequest = RateLimitRequest.newBuilder().setDomain("edge")
        .addDescriptors(RateLimitDescriptor.newBuilder()
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("remote_address")
                .setValue("10.1.2.3"))
            .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder().setRequestsPerUnit(3)
                .setUnit(RateLimitUnit.HOUR)))
        .build();
    int underLimit = 0;
    for (int i = 0; i < 5; i++) {
      ManagedChannel channel = Grpc.newChannelBuilder(clients.get(i % 3),
          InsecureChannelCredentials.create()).build();
      try {
        RateLimitResponse answer = RateLimitServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS).shouldRateLimit(envoyRequest);
        underLimit += answer.getOverallCode() == RateLimitResponse.Code.OK ? 1 : 0;
      } finally {
        channel.shutdownNow();
      }
    }
    assertEquals(3, underLimit, "ShouldRateLimit over three nodes");

    // n2 and n3 killed: n1's groups have no quorum, so it turns unready, and says why.
    for (String line : lines.subList(1, 3)) {
      ProcessHandle.of(Long.parseLong(line.split(" ")[2])).ifPresent(ProcessHandle::destroyForcibly);
    }
    String n1 = http.get("n1");
    await(() -> get(n1 + "/readyz").statusCode() == 503, "n1 stayed ready without a quorum");
    assertTrue(get(n1 + "/readyz").body().contains("has no leader"));
    await(() -> health(clients.get(0)) == ServingStatus.NOT_SERVING,
        "n1's gRPC health stayed SERVING");
    assertEquals(200, get(n1 + "/healthz").statusCode());
  }

  private static ServingStatus health(String clientAddress) {
    ManagedChannel channel = Grpc.newChannelBuilder(clientAddress,
        InsecureChannelCredentials.create()).build();
    try {
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } catch (RuntimeException e) {
      return ServingStatus.UNKNOWN;
    } finally {
      channel.shutdownNow();
    }
  }

  private static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static HttpResponse<String> get(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("GET " + url + ": " + e, e);
    }
  }

  private static void await(BooleanSupplier condition, String failure)
      throws InterruptedException {
    Await.until(Duration.ofSeconds(60), Duration.ofMillis(250), condition, () -> failure);
  }
}
