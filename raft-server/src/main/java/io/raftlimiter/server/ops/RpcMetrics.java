package io.raftlimiter.server.ops;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Every gRPC call the node answers, by service, method and status code
 * ({@code raftlimiter_grpc_calls_total}), and how long each took
 * ({@code raftlimiter_grpc_call_seconds}, by service and method): what answers "which RPC is
 * failing, and how" for the public API, Envoy's rate limit service, the admin API and the
 * forwarding between nodes alike. The labels come from the services the node serves and the
 * 17 status codes, never from a request, so their number is bounded.
 */
public final class RpcMetrics implements ServerInterceptor {
  private final Counter calls;
  private final Histogram seconds;

  public RpcMetrics(PrometheusRegistry registry) {
    this.calls = Counter.builder().name("raftlimiter_grpc_calls")
        .help("gRPC calls answered by this node, by service, method and status code")
        .labelNames("service", "method", "code").register(registry);
    this.seconds = Histogram.builder().name("raftlimiter_grpc_call_seconds")
        .help("time from a gRPC call's start to its answer, by service and method")
        .labelNames("service", "method").classicOnly()
        .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
            2.5, 10)
        .register(registry);
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
      ServerCallHandler<Q, A> next) {
    String service = call.getMethodDescriptor().getServiceName();
    String method = call.getMethodDescriptor().getBareMethodName();
    long startNanos = System.nanoTime();
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        calls.labelValues(service, method, status.getCode().name()).inc();
        seconds.labelValues(service, method).observe((System.nanoTime() - startNanos) / 1e9);
        super.close(status, trailers);
      }
    }, headers);
  }
}
