package io.raftlimiter.bench.load;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.bench.workload.KeySpace;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The floor of a call: a {@code grpc.health.v1} Check to the next node in turn, over the plain
 * client's channels and with its deadline, at the same rate or concurrency as the modes. It
 * decides nothing: each call counts as one decision for the rate and latency columns, and the
 * admission ledger leaves it out ({@link #decides()}).
 */
record PingTarget(PlainChannels channels, long deadlineNanos) implements Target {
  private static final HealthCheckRequest CHECK = HealthCheckRequest.getDefaultInstance();

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    CompletableFuture<Answered> result = new CompletableFuture<>();
    channels.nextHealth().withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS)
        .check(CHECK, new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {}

          @Override
          public void onError(Throwable error) {
            result.completeExceptionally(error);
          }

          @Override
          public void onCompleted() {
            result.complete(Answered.of(new boolean[keys.length]));
          }
        });
    return result;
  }

  @Override
  public boolean decides() {
    return false;
  }
}
