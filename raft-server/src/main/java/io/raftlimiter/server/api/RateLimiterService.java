package io.raftlimiter.server.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.GetRoutesRequest;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.api.v1.Routes;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.runtime.Replies;
import io.raftlimiter.server.security.CallerSubject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The public {@code ratelimiter.v1.RateLimiter} service: translates gRPC calls to
 * {@link Decisions} and back, and tells clients where the groups' leaders are. Handlers run on the transport's threads (a direct executor): they
 * hand the request over and return; the answer is written when it is decided. Nothing here
 * blocks, and nothing thrown escapes.
 */
public final class RateLimiterService extends RateLimiterGrpc.RateLimiterImplBase {
  private final Decisions decisions;
  private final Supplier<Routes> routes;

  /** @param routes where each group's leader is, as this node knows now */
  public RateLimiterService(Decisions decisions, Supplier<Routes> routes) {
    this.decisions = decisions;
    this.routes = routes;
  }

  @Override
  public void getRoutes(GetRoutesRequest request, StreamObserver<Routes> observer) {
    answer(observer, () -> CompletableFuture.completedFuture(routes.get()));
  }

  @Override
  public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
    long arrivedNanos = System.nanoTime();
    answer(observer, () -> decisions.acquire(request, CallerSubject.current(),
        callerDeadlineNanos(arrivedNanos)));
  }

  @Override
  public void acquireBatch(AcquireBatchRequest request,
      StreamObserver<AcquireBatchResponse> observer) {
    long arrivedNanos = System.nanoTime();
    answer(observer, () -> decisions.acquireBatch(request, null, CallerSubject.current(),
        callerDeadlineNanos(arrivedNanos)));
  }

  /**
   * The current call's deadline on this node's monotonic clock, read on arrival, or
   * {@link GroupCommitter#NO_DEADLINE}: an op still queued then is dropped before it reaches the
   * log, so no work is committed for a caller who left.
   */
  static long callerDeadlineNanos(long arrivedNanos) {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return GroupCommitter.NO_DEADLINE;
    }
    return arrivedNanos + Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS));
  }

  /** Ends the call with the answer, or with the status (and trailers) it failed with. */
  static <T> void answer(StreamObserver<T> observer,
      Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> answer;
    try {
      answer = call.get();
    } catch (RuntimeException e) { // Decisions never throws; a bug here still ends the call
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((response, error) -> {
      if (error != null) {
        Replies.fail(observer, Status.fromThrowable(error), Status.trailersFromThrowable(error));
      } else {
        Replies.succeed(observer, response);
      }
    });
  }
}
