package io.raftlimiter.bench.load;

import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.bench.workload.KeySpace;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Acquires in one consistency mode with the generated stub over {@link PlainChannels}: one try
 * per call, at the next node, with a deadline. The {@code plain} client kind.
 *
 * @param requests the mode's requests
 * @param deadlineNanos each call's deadline from its send
 */
record PlainTarget(PlainChannels channels, Requests requests, long deadlineNanos)
    implements Target {

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    RateLimiterGrpc.RateLimiterStub stub = channels.next()
        .withDeadlineAfter(deadlineNanos, TimeUnit.NANOSECONDS);
    if (keys.length == 1) {
      Reply<AcquireResponse> answer = new Reply<>(Requests::answered);
      stub.acquire(requests.acquire(space.name(keys[0]), permits), answer);
      return answer.result;
    }
    Reply<AcquireBatchResponse> answer = new Reply<>(Requests::answered);
    stub.acquireBatch(requests.batch(space, keys, permits), answer);
    return answer.result;
  }

  /** A unary call's reply as a future of what it answered. */
  private static final class Reply<T> implements StreamObserver<T> {
    final CompletableFuture<Answered> result = new CompletableFuture<>();
    private final Function<T, Answered> toAnswer;
    private T value;

    Reply(Function<T, Answered> toAnswer) {
      this.toAnswer = toAnswer;
    }

    @Override
    public void onNext(T next) {
      value = next;
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }

    @Override
    public void onCompleted() {
      result.complete(toAnswer.apply(value));
    }
  }
}
