package io.raftlimiter.server.ops;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's HTTP listener ({@code node.http-port}) for operations: {@code GET /metrics}
 * (Prometheus text format), {@code GET /healthz} (the process answers) and {@code GET /readyz}
 * (200 once its groups have leaders and the metadata is loaded, else 503 with the reasons, as
 * JSON), and the routes others add with {@link #post}. The JDK's HTTP server: nothing here
 * blocks, and decisions ({@link #post}) are answered when they are decided. A handler that fails
 * answers 500 and logs; it never takes the listener down.
 *
 * <p>The JDK's server reads each request with blocking reads on a thread of its executor, so a
 * caller who sends a request a byte at a time (slowloris) holds a thread while it does. With a
 * fixed pool, a few such callers would keep health probes queued until the orchestrator restarts
 * the node. So every request in progress gets a thread of its own (up to
 * {@link #MAX_CONNECTIONS}, which the JDK also enforces on connections, closing any past it at
 * once), and each request is cut off if it is not read within {@link #MAX_REQUEST_SECONDS} or
 * answered within {@link #MAX_RESPONSE_SECONDS}. Idle threads beyond the core ones end.
 */
public final class OpsHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpsHttpServer.class);

  /** How long a caller may take to send a request's line and headers (TLS handshake included). */
  static final int MAX_REQUEST_SECONDS = 5;
  /**
   * How long from a request's headers to the end of its answer: bounds a body sent slowly, and
   * is far beyond any decision's wait.
   */
  static final int MAX_RESPONSE_SECONDS = 60;
  /** Connections open at once, and so threads reading requests; the JDK closes any more. */
  static final int MAX_CONNECTIONS = 256;
  private static final int CORE_THREADS = 4;
  private static final long IDLE_THREAD_SECONDS = 30;

  static {
    // Without these a caller that stalls in a request (or in the TLS handshake) holds its thread
    // and connection for good. The JDK reads them once per process, when its first server
    // starts; one set on the command line wins.
    defaultProperty("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
    defaultProperty("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
    defaultProperty("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
  }

  private static void defaultProperty(String name, int value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, Integer.toString(value));
    }
  }

  private static PrometheusRegistry jvmRegistry;

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpMetrics metrics;

  private OpsHttpServer(HttpServer server, ExecutorService executor, HttpMetrics metrics) {
    this.server = server;
    this.executor = executor;
    this.metrics = metrics;
  }

  /**
   * Listens on {@code host:port} (0: any free port), over HTTPS with {@code tls} when it is not
   * null. Client certificates are then asked for but not required, so that health probes and
   * scrapers need none; a handler that needs one checks {@link #verifiedPeer}.
   *
   * @throws IOException when it cannot listen
   */
  public static OpsHttpServer start(String host, int port, PrometheusRegistry registry,
      Supplier<Readiness> readiness, SSLContext tls) throws IOException {
    PrometheusRegistry jvm = jvmMetrics();
    InetSocketAddress address = new InetSocketAddress(host, port);
    HttpServer server;
    if (tls == null) {
      server = HttpServer.create(address, 64);
    } else {
      HttpsServer https = HttpsServer.create(address, 64);
      https.setHttpsConfigurator(new HttpsConfigurator(tls) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters parameters = tls.getDefaultSSLParameters();
          parameters.setWantClientAuth(true);
          params.setSSLParameters(parameters);
        }
      });
      server = https;
    }
    ExecutorService executor = requestThreads();
    server.setExecutor(executor);
    PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    HttpMetrics metrics = new HttpMetrics(registry);
    server.createContext("/metrics", metrics.metered("/metrics", guarded(exchange -> {
      ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
      MetricSnapshots.Builder all = MetricSnapshots.builder();
      registry.scrape().forEach(all::metricSnapshot);
      jvm.scrape().forEach(all::metricSnapshot);
      writer.write(body, all.build(), EscapingScheme.DEFAULT);
      send(exchange, 200, writer.getContentType(), body.toByteArray());
    })));
    server.createContext("/healthz", metrics.metered("/healthz", guarded(exchange ->
        send(exchange, 200, "text/plain; charset=utf-8",
            "ok\n".getBytes(StandardCharsets.UTF_8)))));
    server.createContext("/readyz", metrics.metered("/readyz", guarded(exchange -> {
      Readiness now = readiness.get();
      send(exchange, now.ready() ? 200 : 503, "application/json",
          json(now).getBytes(StandardCharsets.UTF_8));
    })));
    server.start();
    return new OpsHttpServer(server, executor, metrics);
  }

  /**
   * A thread for each request in progress, so that slow callers cannot make others wait for one.
   * Past {@link #MAX_CONNECTIONS} the pool refuses, and the JDK then closes that connection
   * rather than queue it behind the slow ones.
   */
  private static ExecutorService requestThreads() {
    return new ThreadPoolExecutor(CORE_THREADS, MAX_CONNECTIONS, IDLE_THREAD_SECONDS,
        TimeUnit.SECONDS, new SynchronousQueue<>(), DaemonThreads.named("http"));
  }

  /**
   * Serves {@code POST path} with {@code handler}, which answers and closes the exchange itself
   * (from any thread, later if it likes) and must not throw.
   */
  public void post(String path, Consumer<HttpExchange> handler) {
    server.createContext(path, metrics.metered(path, exchange -> {
      if (!exchange.getRequestURI().getPath().equals(path)) {
        try (exchange) {
          send(exchange, 404, "text/plain; charset=utf-8",
              "not found\n".getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      handler.accept(exchange);
    }));
  }

  /**
   * Serves {@code GET path} (and HEAD) with what {@code body} gives at each request, with
   * {@code headers} besides its content type; other methods and paths answer 405 and 404.
   */
  public void get(String path, String contentType, Map<String, String> headers,
      Supplier<byte[]> body) {
    server.createContext(path, metrics.metered(path, guarded(exchange -> {
      headers.forEach(exchange.getResponseHeaders()::set);
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      send(exchange, 200, contentType, body.get());
    })));
  }

  /**
   * Whether the caller of {@code exchange} showed a certificate the TLS handshake verified
   * (against the cluster's authority); false over plain HTTP.
   */
  public static boolean verifiedPeer(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange https) || https.getSSLSession() == null) {
      return false;
    }
    try {
      return https.getSSLSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  /** The listener's threads, for handlers that answer later. */
  public Executor executor() {
    return executor;
  }

  /**
   * The JVM's metrics, registered once per process: they describe the process, not a node, and
   * the instrumentation keeps every registry it was given for good (a node's would outlive it).
   */
  private static synchronized PrometheusRegistry jvmMetrics() {
    if (jvmRegistry == null) {
      jvmRegistry = new PrometheusRegistry();
      JvmMetrics.builder().register(jvmRegistry);
    }
    return jvmRegistry;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** {@code {"ready":false,"reasons":["..."]}}. */
  static String json(Readiness readiness) {
    JsonObject out = new JsonObject();
    out.addProperty("ready", readiness.ready());
    JsonArray reasons = new JsonArray();
    readiness.reasons().forEach(reasons::add);
    out.add("reasons", reasons);
    return out + "\n";
  }

  private interface Handler {
    void handle(HttpExchange exchange) throws IOException;
  }

  /** Only GET (and HEAD), only the exact path; never lets an exception out. */
  private static HttpHandler guarded(Handler handler) {
    return exchange -> {
      try {
        String method = exchange.getRequestMethod();
        if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
          send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(
              StandardCharsets.UTF_8));
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
          exchange.getResponseHeaders().set("Allow", "GET, HEAD");
          send(exchange, 405, "text/plain; charset=utf-8", "use GET\n".getBytes(
              StandardCharsets.UTF_8));
        } else {
          handler.handle(exchange);
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(),
            e.toString());
        try {
          send(exchange, 500, "text/plain; charset=utf-8", "internal error\n".getBytes(
              StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException ignored) {
          // the response had started; closing cuts it off
        }
      } finally {
        exchange.close();
      }
    };
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
