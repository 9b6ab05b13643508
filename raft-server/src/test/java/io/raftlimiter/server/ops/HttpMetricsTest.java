package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every answer of the HTTP listener is counted by route and status, when it is sent. */
class HttpMetricsTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final HttpClient http = HttpClient.newHttpClient();
  private OpsHttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private int send(String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(method, HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private double requests(String route, String code) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals("raftlimiter_http_requests"))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(p -> p.getLabels().equals(Labels.of("code", code, "route", route)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  private HistogramSnapshot.HistogramDataPointSnapshot seconds(String route) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getName().equals("raftlimiter_http_request_seconds"))
        .flatMap(s -> ((HistogramSnapshot) s).getDataPoints().stream())
        .filter(p -> p.getLabels().equals(Labels.of("route", route)))
        .findFirst().orElseThrow();
  }

  @Test
  void countsEachAnswerByRouteAndStatusWhenItIsSent() throws Exception {
    server = OpsHttpServer.start("127.0.0.1", 0, registry,
        () -> new Readiness(false, List.of("no leader yet")), null);
    AtomicBoolean sawTls = new AtomicBoolean(true);
    // answered 60 ms later, on another thread, as decisions are
    server.post("/v1/acquire", exchange -> {
      sawTls.set(OpsHttpServer.verifiedPeer(exchange));
      CompletableFuture.delayedExecutor(60, TimeUnit.MILLISECONDS).execute(() -> {
        try (exchange) {
          byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(429, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    });
    server.get("/ui", "text/html", Map.of(), () -> new byte[0]);

    assertEquals(200, send("GET", "/healthz"));
    assertEquals(200, send("GET", "/healthz"));
    assertEquals(503, send("GET", "/readyz"));
    assertEquals(405, send("POST", "/ui"));
    assertEquals(404, send("GET", "/metrics/anything"));
    assertEquals(429, send("POST", "/v1/acquire"));

    assertEquals(2, requests("/healthz", "200"));
    assertEquals(1, requests("/readyz", "503"));
    assertEquals(1, requests("/ui", "405"));
    assertEquals(1, requests("/metrics", "404"), "counted under the route, not the path sent");
    assertEquals(1, requests("/v1/acquire", "429"));
    assertEquals(1, seconds("/v1/acquire").getCount());
    assertTrue(seconds("/v1/acquire").getSum() >= 0.06,
        "timed to the answer, not to the handler's return: " + seconds("/v1/acquire").getSum());
    assertFalse(sawTls.get(), "a plain caller shows no certificate through the wrapper");
  }
}
