package io.raftlimiter.server.ops;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsExchange;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import javax.net.ssl.SSLSession;

/**
 * Every HTTP request the node answers, by route and status code
 * ({@code raftlimiter_http_requests_total}), and how long each took
 * ({@code raftlimiter_http_request_seconds}, by route): the HTTP side of {@link RpcMetrics}, for
 * the JSON decision API, the probes, the scrape and the status page. The route is the path the
 * node serves ({@code /v1/acquire}, {@code /readyz}, ...), never the path a caller sent, and the
 * code one of the few the node answers, so the series are bounded.
 *
 * <p>Handlers answer when they like (a decision is answered once decided, on another thread), so
 * a request is counted when its answer's status is sent, not when its handler returns: the
 * handler gets the exchange wrapped, and the wrapper counts in {@code sendResponseHeaders}. (The
 * JDK's exchange attributes cannot carry the arrival time: in Java 17 every exchange of a
 * context shares one attribute map.)
 */
public final class HttpMetrics {
  private final Counter requests;
  private final Histogram seconds;

  public HttpMetrics(PrometheusRegistry registry) {
    this.requests = Counter.builder().name("raftlimiter_http_requests")
        .help("HTTP requests answered by this node, by route and status code")
        .labelNames("route", "code").register(registry);
    this.seconds = Histogram.builder().name("raftlimiter_http_request_seconds")
        .help("time from an HTTP request's arrival to its answer, by route")
        .labelNames("route").classicOnly()
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
            2.5, 10)
        .register(registry);
  }

  /** {@code handler} for {@code route}, each request it serves counted when it is answered. */
  HttpHandler metered(String route, HttpHandler handler) {
    DistributionDataPoint routeSeconds = seconds.labelValues(route);
    return exchange -> handler.handle(new Metered(exchange, route, routeSeconds, System.nanoTime()));
  }

  /**
   * An exchange that counts its answer. It is an {@link HttpsExchange} whatever it wraps, with
   * the TLS session of the one it wraps, or none over plain HTTP.
   */
  private final class Metered extends HttpsExchange {
    private final HttpExchange exchange;
    private final String route;
    private final DistributionDataPoint routeSeconds;
    private final long startNanos;

    Metered(HttpExchange exchange, String route, DistributionDataPoint routeSeconds,
        long startNanos) {
      this.exchange = exchange;
      this.route = route;
      this.routeSeconds = routeSeconds;
      this.startNanos = startNanos;
    }

    @Override
    public void sendResponseHeaders(int status, long length) throws IOException {
      // counted first: an answer the caller left before receiving was still the answer
      requests.labelValues(route, Integer.toString(status)).inc();
      routeSeconds.observe((System.nanoTime() - startNanos) / 1e9);
      exchange.sendResponseHeaders(status, length);
    }

    @Override
    public SSLSession getSSLSession() {
      return exchange instanceof HttpsExchange https ? https.getSSLSession() : null;
    }

    @Override
    public Headers getRequestHeaders() {
      return exchange.getRequestHeaders();
    }

    @Override
    public Headers getResponseHeaders() {
      return exchange.getResponseHeaders();
    }

    @Override
    public URI getRequestURI() {
      return exchange.getRequestURI();
    }

    @Override
    public String getRequestMethod() {
      return exchange.getRequestMethod();
    }

    @Override
    public HttpContext getHttpContext() {
      return exchange.getHttpContext();
    }

    @Override
    public void close() {
      exchange.close();
    }

    @Override
    public InputStream getRequestBody() {
      return exchange.getRequestBody();
    }

    @Override
    public OutputStream getResponseBody() {
      return exchange.getResponseBody();
    }

    @Override
    public InetSocketAddress getRemoteAddress() {
      return exchange.getRemoteAddress();
    }

    @Override
    public int getResponseCode() {
      return exchange.getResponseCode();
    }

    @Override
    public InetSocketAddress getLocalAddress() {
      return exchange.getLocalAddress();
    }

    @Override
    public String getProtocol() {
      return exchange.getProtocol();
    }

    @Override
    public Object getAttribute(String name) {
      return exchange.getAttribute(name);
    }

    @Override
    public void setAttribute(String name, Object value) {
      exchange.setAttribute(name, value);
    }

    @Override
    public void setStreams(InputStream in, OutputStream out) {
      exchange.setStreams(in, out);
    }

    @Override
    public HttpPrincipal getPrincipal() {
      return exchange.getPrincipal();
    }
  }
}
