package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The listener serves the status page and its data as GETs, with the page's headers. */
class StatusPageServedTest {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  private OpsHttpServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = OpsHttpServer.start("127.0.0.1", 0, new PrometheusRegistry(),
        () -> new Readiness(true, List.of()), null);
    StatusPage page = StatusPage.load();
    server.get("/ui", "text/html; charset=utf-8",
        Map.of("Content-Security-Policy", page.contentSecurityPolicy()), page::html);
    server.get("/ui/data", "application/json", Map.of("Cache-Control", "no-store"),
        () -> "{\"n\":1}".getBytes(StandardCharsets.UTF_8));
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void thePageAndItsDataAreServedWithTheirHeaders() throws Exception {
    HttpResponse<String> page = get("/ui");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().startsWith("<!DOCTYPE html>"));
    assertEquals(StatusPage.load().contentSecurityPolicy(),
        page.headers().firstValue("Content-Security-Policy").orElseThrow());
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());

    HttpResponse<String> data = get("/ui/data");
    assertEquals("{\"n\":1}", data.body());
    assertEquals("no-store", data.headers().firstValue("Cache-Control").orElseThrow());
    assertEquals("application/json", data.headers().firstValue("Content-Type").orElseThrow());

    assertEquals(404, get("/ui/nothing").statusCode());
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/ui"))
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
