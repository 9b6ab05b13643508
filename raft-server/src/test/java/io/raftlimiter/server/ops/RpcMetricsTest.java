package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RpcMetricsTest {
  @Test
  void everyCallIsCountedByServiceMethodAndCode() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    String name = InProcessServerBuilder.generateName();
    HealthGrpc.HealthImplBase health = new HealthGrpc.HealthImplBase() {
      @Override
      public void check(HealthCheckRequest request,
          StreamObserver<HealthCheckResponse> observer) {
        if (request.getService().equals("bad")) {
          observer.onError(Status.INVALID_ARGUMENT.asRuntimeException());
          return;
        }
        observer.onNext(HealthCheckResponse.getDefaultInstance());
        observer.onCompleted();
      }
    };
    Server server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(health, new RpcMetrics(registry))).build()
        .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel);
      stub.check(HealthCheckRequest.getDefaultInstance());
      stub.check(HealthCheckRequest.getDefaultInstance());
      assertThrows(StatusRuntimeException.class,
          () -> stub.check(HealthCheckRequest.newBuilder().setService("bad").build()));
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    String scrape = out.toString(StandardCharsets.UTF_8);
    assertTrue(scrape.contains("raftlimiter_grpc_calls_total{code=\"OK\",method=\"Check\","
        + "service=\"grpc.health.v1.Health\"} 2.0"), scrape);
    assertTrue(scrape.contains("raftlimiter_grpc_calls_total{code=\"INVALID_ARGUMENT\","
        + "method=\"Check\",service=\"grpc.health.v1.Health\"} 1.0"), scrape);
    assertEquals(1, scrape.lines().filter(l -> l.startsWith(
        "raftlimiter_grpc_call_seconds_count{method=\"Check\"")).count(), scrape);
  }
}
