package io.raftlimiter.bench.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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

/**
 * Connections to a node's HTTP listener that send a request a byte at a time (slowloris), far
 * more of them than a small thread pool has threads. While they trickle, {@code /healthz} must
 * answer promptly (else an orchestrator restarts a healthy node), and the listener must cut each
 * of them off in the end rather than wait on it forever.
 */
final class TrickleCheck {
  static final int CONNECTIONS = 32;
  private static final long BYTE_INTERVAL_MILLIS = 200;
  private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);
  private static final int HEALTH_PROBES = 3;
  /** The listener's own limit on reading a request is 5 s; this leaves room for a slow machine. */
  private static final long CUT_OFF_WITHIN_MILLIS = 20_000;
  private static final byte[] REQUEST_START =
      "GET /healthz HTTP/1.1\r\nHost: fuzz\r\nX-Trickle: ".getBytes(StandardCharsets.US_ASCII);

  private TrickleCheck() {}

  /** Whether health answered throughout and every trickling connection was cut off. */
  static boolean run(String hostPort, PrintStream out) throws IOException, InterruptedException {
    URI health = URI.create("http://" + hostPort + "/healthz");
    List<Socket> sockets = new ArrayList<>();
    ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "fuzz-trickle");
      thread.setDaemon(true);
      return thread;
    });
    long start = System.nanoTime();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(health.getHost(), health.getPort()), 5_000);
        sockets.add(socket);
      }
      int[] sent = {0};
      trickler.scheduleAtFixedRate(() -> trickleOneByte(sockets, sent[0]++), 0,
          BYTE_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
      int healthy = 0;
      long slowestMillis = 0;
      HttpClient client = HttpClient.newBuilder().connectTimeout(HEALTH_TIMEOUT).build();
      for (int i = 0; i < HEALTH_PROBES; i++) {
        Thread.sleep(1_000);
        long probeStart = System.nanoTime();
        healthy += probe(client, health) ? 1 : 0;
        slowestMillis = Math.max(slowestMillis, (System.nanoTime() - probeStart) / 1_000_000);
      }
      int cutOff = awaitCutOff(sockets, start);
      boolean holds = healthy == HEALTH_PROBES && cutOff == CONNECTIONS;
      out.printf("trickling HTTP: %d connections sending a byte each %d ms; /healthz answered "
          + "%d of %d probes (slowest %d ms, limit %d ms); connections cut off by the node: %d "
          + "of %d within %d s: %s%n", CONNECTIONS, BYTE_INTERVAL_MILLIS, healthy, HEALTH_PROBES,
          slowestMillis, HEALTH_TIMEOUT.toMillis(), cutOff, CONNECTIONS,
          CUT_OFF_WITHIN_MILLIS / 1_000, holds ? "OK" : "NOT OK");
      return holds;
    } finally {
      trickler.shutdownNow();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }

  /** The next byte of an endless request line and header, on every connection still open. */
  private static void trickleOneByte(List<Socket> sockets, int index) {
    byte next = index < REQUEST_START.length ? REQUEST_START[index] : (byte) 'a';
    for (Socket socket : sockets) {
      try {
        socket.getOutputStream().write(next);
      } catch (IOException e) {
        // cut off by the node: what should happen; awaitCutOff counts it
      }
    }
  }

  private static boolean probe(HttpClient client, URI health) throws InterruptedException {
    try {
      HttpResponse<String> answer = client.send(HttpRequest.newBuilder(health)
          .timeout(HEALTH_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
      return answer.statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** How many connections the node closed (end of stream or reset) before the deadline. */
  private static int awaitCutOff(List<Socket> sockets, long startNanos) throws IOException {
    int cutOff = 0;
    for (Socket socket : sockets) {
      long leftMillis = CUT_OFF_WITHIN_MILLIS - (System.nanoTime() - startNanos) / 1_000_000;
      if (leftMillis <= 0) {
        break;
      }
      socket.setSoTimeout((int) leftMillis);
      cutOff += closedByPeer(socket.getInputStream()) ? 1 : 0;
    }
    return cutOff;
  }

  /** Reads until the peer closes (true) or the timeout passes (false); an answer is read past. */
  private static boolean closedByPeer(InputStream in) {
    byte[] buffer = new byte[1024];
    try {
      while (in.read(buffer) >= 0) {
        // the node may answer 408 or 400 before it closes; only the close counts
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }
}
