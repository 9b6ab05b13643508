package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Callers that open requests and trickle them a byte at a time (slowloris), more of them than
 * the listener keeps threads, neither keep health probes waiting nor hold a thread for good.
 */
@Tag("realtime") // trickling callers over seconds of the real clock: run by verify
class OpsHttpServerTest {
  /** A kubelet's default probe timeout: a probe slower than this counts as failed. */
  private static final long PROBE_TIMEOUT_MILLIS = 1_000;
  private static final int TRICKLING_CALLERS = 16; // four times the listener's core threads

  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
  private final List<Socket> sockets = new ArrayList<>();
  private OpsHttpServer server;

  @BeforeEach
  void start() throws IOException {
    server = OpsHttpServer.start("127.0.0.1", 0, new PrometheusRegistry(),
        () -> new Readiness(true, List.of()), null);
  }

  @AfterEach
  void stop() throws IOException {
    trickle.shutdownNow();
    for (Socket socket : sockets) {
      socket.close();
    }
    server.close();
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void healthAnswersWithinAProbeTimeoutWhileCallersTrickle() throws Exception {
    List<Socket> slow = trickling(TRICKLING_CALLERS);
    Thread.sleep(500); // every trickling request is now being read by a listener thread
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (String path : List.of("/healthz", "/readyz")) {
      long startNanos = System.nanoTime();
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + path))
          .timeout(Duration.ofSeconds(OpsHttpServer.MAX_REQUEST_SECONDS + 10)).build(),
          HttpResponse.BodyHandlers.ofString());
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
      assertEquals(200, answer.statusCode());
      assertTrue(tookMillis < PROBE_TIMEOUT_MILLIS, path + " answered after " + tookMillis
          + " ms behind " + TRICKLING_CALLERS + " trickling callers");
    }
    for (Socket socket : slow) {
      assertTrue(!socket.isClosed(), "still trickling when health answered");
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aTricklingRequestIsCutOffAtItsReadBound() throws Exception {
    Socket slow = trickling(1).get(0);
    long startNanos = System.nanoTime();
    slow.setSoTimeout((OpsHttpServer.MAX_REQUEST_SECONDS + 10) * 1000);
    try (slow; InputStream in = slow.getInputStream()) {
      assertEquals(-1, readAll(in), "the server closes the connection without an answer");
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    // the JDK's timer looks every second
    assertTrue(tookMillis < (OpsHttpServer.MAX_REQUEST_SECONDS + 2) * 1000L,
        "cut off after " + tookMillis + " ms");
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void pastTheConnectionBoundANewCallerIsClosedAtOnceNotQueued() throws Exception {
    trickling(OpsHttpServer.MAX_CONNECTIONS);
    Thread.sleep(500);
    long startNanos = System.nanoTime();
    try (Socket late = new Socket("127.0.0.1", server.port())) {
      late.setSoTimeout((OpsHttpServer.MAX_REQUEST_SECONDS + 10) * 1000);
      late.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertEquals(-1, readAll(late.getInputStream()), "closed without an answer");
    } catch (IOException e) {
      // reset by the server: refused too
    }
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    assertTrue(tookMillis < PROBE_TIMEOUT_MILLIS, "refused after " + tookMillis + " ms");
  }

  /** {@code count} connections that each send one more byte of a request every 100 ms. */
  private List<Socket> trickling(int count) throws IOException {
    for (int i = 0; i < count; i++) {
      Socket socket = new Socket("127.0.0.1", server.port());
      OutputStream out = socket.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      sockets.add(socket);
    }
    List<Socket> all = List.copyOf(sockets);
    trickle.scheduleWithFixedDelay(() -> {
      for (Socket socket : all) {
        try {
          socket.getOutputStream().write('a');
        } catch (IOException e) {
          // cut off by the server, or closed by the test
        }
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
    return all;
  }

  /** Reads until the end of the stream; -1 then, or the first byte's value if any came. */
  private static int readAll(InputStream in) throws IOException {
    int first = in.read();
    try {
      while (in.read() >= 0) {
        // drain
      }
    } catch (IOException e) {
      // reset by the server: cut off too
    }
    return first;
  }
}
