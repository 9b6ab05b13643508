package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Callers that open a request and stall, more of them than the listener has threads, do not
 * keep health probes waiting for good: a request not read within its time is cut off.
 */
class OpsHttpServerTest {
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void stalledCallersDoNotStarveHealthChecks() throws Exception {
    try (OpsHttpServer server = OpsHttpServer.start("127.0.0.1", 0, new PrometheusRegistry(),
        () -> new Readiness(true, List.of()), null)) {
      List<Socket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) { // twice the listener's threads
          Socket socket = new Socket("127.0.0.1", server.port());
          OutputStream out = socket.getOutputStream();
          out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow:".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          stalled.add(socket);
        }
        Thread.sleep(500); // every stalled request is now being read by a listener thread
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long start = System.nanoTime();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
            .timeout(Duration.ofSeconds(OpsHttpServer.MAX_REQUEST_SECONDS + 10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
        System.out.printf("healthz answered after %d ms behind 8 stalled callers%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      } finally {
        for (Socket socket : stalled) {
          socket.close();
        }
      }
    }
  }
}
