package io.raftlimiter.server.security;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.raftlimiter.server.config.ClientAuth;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.config.SubjectPatterns;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;

/**
 * How a node's connections are secured: plaintext, or TLS from one {@link TlsMaterial}. It hands
 * each transport what it needs, so no other class decides between the two:
 * <ul>
 *   <li>the client port (gRPC: {@code RateLimiter}, {@code NodeAdmin}, {@code Forwarder},
 *       {@code NodeProbe}) takes any certificate of the authority, required or optional
 *       ({@code security.client-auth}); roles are checked per call by {@link CallerRoles};
 *   <li>the Raft port and every connection this node opens to another node (Ratis, forwarding,
 *       the control plane's probes) use mutual TLS that admits node certificates only.
 * </ul>
 */
public final class NodeTransport implements AutoCloseable {
  private final TlsMaterial tls;
  private final ClientAuth clientAuth;

  private NodeTransport(TlsMaterial tls, ClientAuth clientAuth) {
    this.tls = tls;
    this.clientAuth = clientAuth;
  }

  public static NodeTransport plaintext() {
    return new NodeTransport(null, null);
  }

  public static NodeTransport tls(TlsMaterial tls, ClientAuth clientAuth) {
    return new NodeTransport(tls, clientAuth);
  }

  /**
   * The transport {@code config} asks for: TLS when its {@code security.tls-*} files are set.
   *
   * @throws IOException when the TLS files cannot be loaded
   */
  public static NodeTransport open(NodeConfig config, NodeMetrics metrics) throws IOException {
    // Registered (at 0) on a plaintext node too: dashboards and alerts read them on every node.
    CounterDataPoint reloads = metrics.counter(TlsMaterial.RELOADS_METRIC, "TLS files reloaded");
    CounterDataPoint reloadFailures = metrics.counter(TlsMaterial.RELOAD_FAILURES_METRIC,
        "TLS files that changed but could not be loaded");
    Path cert = config.get(NodeConfigKeys.TLS_CERT_FILE);
    NodeTransport transport;
    if (cert == null) {
      transport = plaintext();
    } else {
      TlsFiles files = new TlsFiles(cert, config.get(NodeConfigKeys.TLS_KEY_FILE),
          config.get(NodeConfigKeys.TLS_CA_FILE));
      TlsMaterial material = TlsMaterial.open(files,
          SubjectPatterns.parse(config.get(NodeConfigKeys.NODE_SUBJECTS)),
          config.get(NodeConfigKeys.TLS_RELOAD_INTERVAL_MS),
          reloads, reloadFailures, metrics.taskFailures());
      transport = tls(material, config.get(NodeConfigKeys.CLIENT_AUTH));
    }
    // 1 while the node runs without TLS (allowed only by security.allow-insecure=true), so
    // that an insecure node shows on a dashboard and not only in its first log lines.
    metrics.gauge("raftlimiter_security_insecure", "1 while this node runs without TLS",
        () -> transport.secure() ? 0 : 1);
    return transport;
  }

  public boolean secure() {
    return tls != null;
  }

  /** The client port's credentials. */
  public ServerCredentials clientPort() {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    return TlsServerCredentials.newBuilder()
        .keyManager(tls.keys())
        .trustManager(tls.anyClient())
        .clientAuth(clientAuth == ClientAuth.REQUIRE ? TlsServerCredentials.ClientAuth.REQUIRE
            : TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  /**
   * The HTTP listener's TLS, or null on a plaintext node: this node's certificate, and client
   * certificates of the cluster's authority asked for but not required, so that load balancers'
   * and Prometheus' probes need none; {@link #httpCallerVerified} says whether a caller showed
   * one. The managers are the reloading ones, so rotation reaches this listener too.
   */
  public SSLContext httpListener() {
    if (tls == null) {
      return null;
    }
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {tls.keys()}, new TrustManager[] {tls.anyClient()}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM has no TLS: " + e, e);
    }
  }

  /**
   * Whether an HTTP caller may have decisions: on a plaintext node anyone; on a TLS node, as on
   * the client port, one whose certificate the handshake verified, unless client certificates
   * are optional ({@code security.client-auth=optional}).
   *
   * @param peerVerified whether the caller's TLS session holds a verified certificate
   */
  public boolean httpCallerVerified(boolean peerVerified) {
    return tls == null || clientAuth == ClientAuth.OPTIONAL || peerVerified;
  }

  /** Credentials for calls to another node's client port (forwarding, probes). */
  public ChannelCredentials toNodes() {
    if (tls == null) {
      return InsecureChannelCredentials.create();
    }
    return TlsChannelCredentials.newBuilder()
        .keyManager(tls.keys())
        .trustManager(tls.nodesOnly())
        .build();
  }

  /** Ratis' parameters: its server, and the Raft clients this node makes, use mutual TLS. */
  public Parameters ratis() {
    Parameters parameters = new Parameters();
    if (tls != null) {
      GrpcConfigKeys.TLS.setConf(parameters,
          new GrpcTlsConfig(tls.keys(), tls.nodesOnly(), true));
    }
    return parameters;
  }

  @Override
  public void close() {
    if (tls != null) {
      tls.close();
    }
  }

  /** {@code builder} (Ratis' own gRPC, to another node's Raft port) set up for this transport. */
  public NettyChannelBuilder toRaftPort(NettyChannelBuilder builder) {
    if (tls == null) {
      return builder.usePlaintext();
    }
    try {
      return builder.useTransportSecurity().sslContext(GrpcSslContexts.forClient()
          .keyManager(tls.keys())
          .trustManager(tls.nodesOnly())
          .build());
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS to a Raft port: " + e, e);
    }
  }
}
