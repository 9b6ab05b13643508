package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Calls a unary gRPC service method in this process, as other front ends do (HTTP/JSON, Envoy's
 * protocol), so that every front end decides through the same service code.
 */
final class UnaryCalls {
  private UnaryCalls() {}

  /** The answer of {@code method} to {@code request}; fails with the call's status. */
  static <Q, A> CompletableFuture<A> call(BiConsumer<Q, StreamObserver<A>> method, Q request) {
    CompletableFuture<A> answer = new CompletableFuture<>();
    try {
      method.accept(request, new StreamObserver<>() {
        @Override
        public void onNext(A value) {
          answer.complete(value);
        }

        @Override
        public void onError(Throwable t) {
          answer.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
          answer.completeExceptionally(
              Status.INTERNAL.withDescription("the call ended without an answer")
                  .asRuntimeException());
        }
      });
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
    }
    return answer;
  }
}
