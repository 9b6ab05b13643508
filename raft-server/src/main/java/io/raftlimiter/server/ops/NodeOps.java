package io.raftlimiter.server.ops;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.control.MetadataClient;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.ObjectName;
import javax.net.ssl.SSLContext;
import org.apache.ratis.metrics.MetricRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where operators and their tools read a node, beside its client port: its metrics over JMX
 * ({@code metrics.jmx}), and with {@code node.http-port} the HTTP listener ({@link OpsHttpServer})
 * with the node's Prometheus registry, to which the JVM's metrics, Ratis' and the status are
 * added, and the status page. The front ends add their own routes to the listener
 * ({@link #http}).
 */
public final class NodeOps implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeOps.class);
  /** Ratis keeps one metrics registry per process, so its JMX reporter is enabled once. */
  private static final AtomicBoolean RATIS_JMX = new AtomicBoolean();

  /** Null when {@code metrics.jmx} is off, or the registration failed. */
  private final ObjectName jmx;
  /** Null without {@code node.http-port}. */
  private final OpsHttpServer http;

  /**
   * Registers the metrics on JMX and starts the HTTP listener, as {@code config} asks.
   *
   * @param tls the listener's TLS, null on a plaintext node
   * @param readiness what {@code /readyz} answers
   * @param status what the status collector and the status page read
   * @param view where each group's leader is, for the status page
   * @param audit the changes the status page lists
   * @throws IOException when the listener cannot listen (nothing is left registered on JMX)
   */
  public static NodeOps start(NodeConfig config, NodeMetrics metrics, SSLContext tls,
      Supplier<Readiness> readiness, Supplier<NodeStatus> status, Supplier<ClusterView> view,
      MetadataClient metadata, AuditLog audit) throws IOException {
    String nodeId = config.nodeId();
    ObjectName jmx = config.get(NodeConfigKeys.METRICS_JMX).equals("true")
        ? registerOnJmx(nodeId, metrics.prometheus()) : null;
    Integer httpPort = config.get(NodeConfigKeys.HTTP_PORT);
    if (httpPort == null) {
      return new NodeOps(jmx, null);
    }
    PrometheusRegistry prometheus = metrics.prometheus();
    prometheus.register(new StatusCollector(status));
    prometheus.register(new RatisCollector(nodeId, () -> metadata.current().memberIds()));
    prometheus.register(new StorageCollector(config.get(NodeConfigKeys.DATA_DIR)));
    OpsHttpServer http;
    try {
      http = OpsHttpServer.start(config.bindHost(), httpPort, prometheus, readiness, tls);
    } catch (IOException e) {
      unregister(jmx);
      throw new IOException("cannot listen on " + config.bindHost() + ":"
          + httpPort + " (node.http-port): " + e.getMessage(), e);
    }
    // The status page: open to whoever may read /metrics, as it shows no more than they do.
    StatusPage page = StatusPage.load();
    http.get("/ui", "text/html; charset=utf-8",
        Map.of("Content-Security-Policy", page.contentSecurityPolicy()), page::html);
    http.get("/ui/data", "application/json", Map.of("Cache-Control", "no-store"),
        () -> StatusPage.json(snapshot(metrics, status, view, metadata, audit))
            .getBytes(StandardCharsets.UTF_8));
    return new NodeOps(jmx, http);
  }

  private NodeOps(ObjectName jmx, OpsHttpServer http) {
    this.jmx = jmx;
    this.http = http;
  }

  /** The HTTP listener, when the node has one. */
  public Optional<OpsHttpServer> http() {
    return Optional.ofNullable(http);
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    unregister(jmx);
  }

  /** The name the metrics were registered under, or null when they are not on JMX. */
  private static ObjectName registerOnJmx(String nodeId, PrometheusRegistry prometheus) {
    ObjectName name = MetricsMBean.name(nodeId);
    ObjectName registered = null;
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(new MetricsMBean(prometheus), name);
      registered = name;
    } catch (JMException e) {
      LOG.warn("node {}: its metrics are not on JMX: {}", nodeId, e.toString());
    }
    if (RATIS_JMX.compareAndSet(false, true)) {
      MetricRegistries.global().enableJmxReporter();
    }
    return registered;
  }

  private static void unregister(ObjectName jmx) {
    if (jmx == null) {
      return;
    }
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(jmx);
    } catch (JMException e) {
      LOG.debug("{}: {}", jmx, e.toString());
    }
  }

  /** What the status page shows now. */
  private static StatusPage.Snapshot snapshot(NodeMetrics metrics, Supplier<NodeStatus> status,
      Supplier<ClusterView> view, MetadataClient metadata, AuditLog audit) {
    List<StatusPage.ModeCounts> decided = new ArrayList<>();
    for (ConsistencyMode mode : ConsistencyMode.values()) {
      decided.add(new StatusPage.ModeCounts(mode.name().toLowerCase(Locale.ROOT),
          metrics.decisions(mode, true), metrics.decisions(mode, false)));
    }
    return new StatusPage.Snapshot(Instant.now(), status.get(), view.get(),
        metadata.current().membership().replicas(), decided, metrics.shedCount(),
        metrics.shadowRefusedCount(), audit.recent());
  }
}
