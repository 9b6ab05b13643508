package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP/JSON front end translates Decisions' answers and failures to HTTP, and only that. */
class HttpJsonApiTest {
  private final HttpClient client = HttpClient.newHttpClient();
  private final ExecutorService replies = Executors.newSingleThreadExecutor();
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    // Keys say how they are decided: "shed..." is shed, "no..." refused, anything else allowed.
    Decider decider = op -> {
      String key = new String(op.key(), StandardCharsets.UTF_8);
      if (key.startsWith("shed")) {
        return CompletableFuture.failedFuture(new OverloadedException("queue full", 1_500));
      }
      return CompletableFuture.completedFuture(key.startsWith("no")
          ? new Decision(false, 0, 2_100) : new Decision(true, 9, 0));
    };
    Map<ConsistencyMode, Decider> deciders = new EnumMap<>(ConsistencyMode.class);
    for (ConsistencyMode mode : ConsistencyMode.values()) {
      deciders.put(mode, decider);
    }
    Decisions decisions = new Decisions(
        new RequestValidator(LimitResolver.always(BucketLimit.of(10, 1)), ConsistencyMode.STRONG),
        deciders, new NodeMetrics(), () -> null, false);
    HttpJsonApi json = new HttpJsonApi(decisions, replies,
        exchange -> true);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/acquire", json::acquire);
    server.createContext("/v1/acquire-batch", json::acquireBatch);
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
    replies.shutdownNow();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void allowedIs200WithRateLimitHeaders() throws Exception {
    HttpResponse<String> response = post("/v1/acquire", "{\"key\":\"k\",\"permits\":1}");
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("\"bucket\";r=9;t=1", response.headers().firstValue("RateLimit").orElseThrow());
    assertTrue(response.body().contains("\"allowed\":true"), response.body());
  }

  @Test
  void refusedIs429WithRetryAfterInWholeSeconds() throws Exception {
    HttpResponse<String> response = post("/v1/acquire", "{\"key\":\"no\",\"permits\":1}");
    assertEquals(429, response.statusCode(), response.body());
    assertEquals("3", response.headers().firstValue("Retry-After").orElseThrow());
  }

  @Test
  void shedIs503WithRetryAfter() throws Exception {
    HttpResponse<String> response = post("/v1/acquire", "{\"key\":\"shed\",\"permits\":1}");
    assertEquals(503, response.statusCode(), response.body());
    assertEquals("2", response.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(response.body().contains("RESOURCE_EXHAUSTED"), response.body());
  }

  @Test
  void invalidIs400AndABatchAnswersEachEntry() throws Exception {
    assertEquals(400, post("/v1/acquire", "{\"key\":\"k\",\"permits\":11}").statusCode());
    HttpResponse<String> batch = post("/v1/acquire-batch",
        "{\"requests\":[{\"key\":\"k\",\"permits\":1},{\"key\":\"shed\",\"permits\":1}]}");
    assertEquals(200, batch.statusCode(), batch.body());
    assertTrue(batch.body().contains("\"allowed\":true"), batch.body());
    assertTrue(batch.body().contains("\"retryAfterMillis\":\"1500\""), batch.body());
  }
}
