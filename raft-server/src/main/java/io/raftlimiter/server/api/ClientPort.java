package io.raftlimiter.server.api;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.ops.RpcMetrics;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.security.CallerRoles;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's client port: one gRPC server for its clients (the public API, Envoy's protocol), its
 * operators ({@code NodeAdmin}) and the other nodes (forwarding, the control plane's probe), so
 * that a node has one address and one certificate for all of them. Each of the node's services
 * is guarded the same way: the caller's role is checked first ({@link CallerRoles}), then a
 * request that does not parse ends {@code INVALID_ARGUMENT} ({@link InvalidMessages}). gRPC's
 * health and reflection services are served as gRPC ships them. The call metrics wrap them all,
 * so that refusals count too.
 *
 * <p>It stops in two steps, around the node's Raft server: {@link #refuseNewCalls} before Raft
 * closes, so that the calls in flight get Raft's answer, and {@link #close} after, for any call
 * still open then.
 */
public final class ClientPort implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ClientPort.class);

  private final String nodeId;
  private final Server server;

  private ClientPort(String nodeId, Server server) {
    this.nodeId = nodeId;
    this.server = server;
  }

  /**
   * Listens on the node's bind host ({@code node.bind}, else {@code node.host}) and client port.
   *
   * @param rateLimiter the public API, which also tells clients when their call was forwarded
   *     ({@link RouteHintInterceptor})
   * @param guarded the other services checked by role
   * @param health {@code grpc.health.v1}, open to all
   * @throws IOException when it cannot listen
   */
  public static ClientPort start(NodeConfig config, NodeTransport transport, NodeMetrics metrics,
      RateLimiterService rateLimiter, List<BindableService> guarded, BindableService health)
      throws IOException {
    CallerRoles roles = CallerRoles.forClientPort(config, transport.secure());
    int port = config.self().clientPort();
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.bindHost(), port), transport.clientPort())
        .directExecutor() // handlers never block: they queue and return
        .maxInboundMessageSize(RequestValidator.MAX_REQUEST_BYTES)
        .intercept(new RpcMetrics(metrics.prometheus())) // outermost: refusals count too
        .addService(checked(ServerInterceptors.intercept(rateLimiter,
            new RouteHintInterceptor(), roles), metrics));
    for (BindableService service : guarded) {
      builder.addService(checked(ServerInterceptors.intercept(service, roles), metrics));
    }
    Server server = builder
        .addService(health)
        .addService(ProtoReflectionServiceV1.newInstance())
        .build();
    try {
      server.start();
    } catch (IOException e) {
      server.shutdownNow();
      throw new IOException("cannot listen on " + config.bindHost() + ":" + port + ": "
          + e.getMessage(), e);
    }
    return new ClientPort(config.nodeId(), server);
  }

  private static ServerServiceDefinition checked(ServerServiceDefinition service,
      NodeMetrics metrics) {
    return InvalidMessages.rejectedAsInvalidArgument(service, metrics::invalidRequest);
  }

  /**
   * Takes no new call, and waits up to {@code waitMillis} for the calls in flight: on a graceful
   * stop, while the groups still run, they finish.
   */
  public void refuseNewCalls(long waitMillis) {
    server.shutdown();
    if (waitMillis > 0) {
      try {
        server.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Cuts off the calls still open; called once Raft has closed, which answers the rest. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("node {}: client calls still open after Raft closed; cutting them off", nodeId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
  }
}
