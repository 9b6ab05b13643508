package io.raftlimiter.server.ops;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A node's {@code grpc.health.v1} status on its client port, which load balancers and
 * orchestrators poll. gRPC's health service starts SERVING; a node is not until {@link Readiness}
 * says so, so this one starts NOT_SERVING, follows the readiness (checked every second) once the
 * node has started, and turns NOT_SERVING the moment the node begins to stop.
 */
public final class ServingHealth implements AutoCloseable {
  private final HealthStatusManager health = new HealthStatusManager();
  /** Set by {@link #follow}; read by whichever thread stops the node. */
  private volatile ScheduledExecutorService timer;

  public ServingHealth() {
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  /** The service to register on the client port. */
  public BindableService service() {
    return health.getHealthService();
  }

  /** Reports {@code readiness}, for the whole server and for the rate limiter service. */
  public void follow(String nodeId, Supplier<Readiness> readiness,
      CounterDataPoint taskFailures) {
    timer = DaemonThreads.timer(nodeId + "-health");
    DaemonThreads.every(timer, "health", 0, 1_000, TimeUnit.MILLISECONDS, taskFailures,
        () -> report(readiness.get().ready() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING));
  }

  /** NOT_SERVING from now on, for load balancers to move away while the node still serves. */
  public void stopping() {
    if (timer != null) {
      report(ServingStatus.NOT_SERVING);
    }
  }

  private void report(ServingStatus serving) {
    health.setStatus("", serving);
    health.setStatus(RateLimiterGrpc.SERVICE_NAME, serving);
  }

  @Override
  public void close() {
    ScheduledExecutorService following = timer;
    if (following != null) {
      following.shutdownNow();
      health.enterTerminalState();
    }
  }
}
