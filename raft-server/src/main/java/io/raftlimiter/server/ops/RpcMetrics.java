package io.raftlimiter.server.ops;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Every gRPC call the node answers, by service, method and status code
 * ({@code raftlimiter_grpc_calls_total}), and how long each took
 * ({@code raftlimiter_grpc_call_seconds}, by service and method): what answers "which RPC is
 * failing, and how" for the public API, Envoy's rate limit service, the admin API and the
 * forwarding between nodes alike. The labels come from the services the node serves and the
 * 17 status codes, never from a request, so their number is bounded.
 */
public final class RpcMetrics implements ServerInterceptor {
  private static final Status.Code[] CODES = Status.Code.values();

  private final Counter calls;
  private final Histogram seconds;
  /** Each method's series, looked up once: a call then costs one map read, no label lists. */
  private final Map<String, MethodSeries> byMethod = new ConcurrentHashMap<>();

  /**
   * One method's duration, and its count by status code ({@code Status.Code} ordinal), each
   * code's series made when the method first ends with it: a scrape shows the codes seen.
   */
  private record MethodSeries(String service, String method, DistributionDataPoint seconds,
      AtomicReferenceArray<CounterDataPoint> calls) {}

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
    MethodSeries series = byMethod.computeIfAbsent(
        call.getMethodDescriptor().getFullMethodName(), name -> seriesOf(call));
    long startNanos = System.nanoTime();
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        int code = status.getCode().ordinal();
        CounterDataPoint counter = series.calls().get(code);
        if (counter == null) { // the same series whichever thread makes it first
          counter = calls.labelValues(series.service(), series.method(), CODES[code].name());
          series.calls().set(code, counter);
        }
        counter.inc();
        series.seconds().observe((System.nanoTime() - startNanos) / 1e9);
        super.close(status, trailers);
      }
    }, headers);
  }

  private MethodSeries seriesOf(ServerCall<?, ?> call) {
    String service = call.getMethodDescriptor().getServiceName();
    String method = call.getMethodDescriptor().getBareMethodName();
    return new MethodSeries(service, method, seconds.labelValues(service, method),
        new AtomicReferenceArray<>(CODES.length));
  }
}
