package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.server.NodeMetrics;
import io.raftlimiter.server.commit.GroupUnavailableException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public {@code ratelimiter.v1.RateLimiter} service. Handlers run on the transport's threads
 * (a direct executor): they validate, queue the ops with the owning group's committer and return;
 * the answer is written when the entry has been applied. Nothing here blocks, and nothing thrown
 * escapes: every failure becomes a status, and no failure is ever answered {@code allowed}.
 */
public final class RateLimiterService extends RateLimiterGrpc.RateLimiterImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimiterService.class);

  private final RequestValidator validator;
  private final GroupRouter router;
  private final NodeMetrics metrics;
  private final Decider eventual;
  private final Decider leased;

  /** STRONG acquires go to the owning group's committer; the other modes to their deciders. */
  public RateLimiterService(RequestValidator validator, GroupRouter router, NodeMetrics metrics,
      Decider eventual, Decider leased) {
    this.validator = validator;
    this.router = router;
    this.metrics = metrics;
    this.eventual = eventual;
    this.leased = leased;
  }

  @Override
  public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
    long startNanos = System.nanoTime();
    try {
      ValidatedAcquire acquire = validator.validate(request);
      decide(acquire, startNanos).whenComplete((response, error) -> {
        if (error != null) {
          Replies.fail(observer, statusOf(error));
        } else {
          Replies.succeed(observer, response);
        }
      });
    } catch (InvalidRequestException e) {
      metrics.invalidRequest();
      Replies.fail(observer, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      Replies.fail(observer, statusOf(e));
    }
  }

  @Override
  public void acquireBatch(AcquireBatchRequest request, StreamObserver<AcquireBatchResponse> observer) {
    long startNanos = System.nanoTime();
    try {
      List<ValidatedAcquire> acquires = validateBatch(request);
      List<CompletableFuture<Decision>> decided = decideAll(acquires);
      List<CompletableFuture<AcquireResponse>> responses = new ArrayList<>(acquires.size());
      for (int i = 0; i < acquires.size(); i++) {
        responses.add(respond(decided.get(i), acquires.get(i).op().limit(), startNanos));
      }
      CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new))
          .whenComplete((ignored, error) -> {
            if (error != null) {
              Replies.fail(observer, statusOf(error));
              return;
            }
            AcquireBatchResponse.Builder batch = AcquireBatchResponse.newBuilder();
            for (CompletableFuture<AcquireResponse> response : responses) {
              batch.addResponses(response.join());
            }
            Replies.succeed(observer, batch.build());
          });
    } catch (InvalidRequestException e) {
      metrics.invalidRequest();
      Replies.fail(observer, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      Replies.fail(observer, statusOf(e));
    }
  }

  private List<ValidatedAcquire> validateBatch(AcquireBatchRequest request)
      throws InvalidRequestException {
    int count = request.getRequestsCount();
    if (count > RequestValidator.MAX_BATCH) {
      throw new InvalidRequestException("a batch holds at most " + RequestValidator.MAX_BATCH
          + " requests, got " + count);
    }
    List<ValidatedAcquire> acquires = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      try {
        acquires.add(validator.validate(request.getRequests(i)));
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException("requests[" + i + "]: " + e.getMessage());
      }
    }
    return acquires;
  }

  private CompletableFuture<AcquireResponse> decide(ValidatedAcquire acquire, long startNanos) {
    CompletableFuture<Decision> decided = switch (acquire.consistency()) {
      case STRONG -> strong(acquire.op());
      case EVENTUAL -> eventual.decide(acquire.op());
      case LEASED -> leased.decide(acquire.op());
    };
    return respond(decided, acquire.op().limit(), startNanos);
  }

  /**
   * A batch's decisions, in request order. Its STRONG ops go to their groups together, one list
   * per group, so that they share entries (and forward calls) rather than the first of them going
   * out alone.
   */
  private List<CompletableFuture<Decision>> decideAll(List<ValidatedAcquire> acquires) {
    List<CompletableFuture<Decision>> decided = new ArrayList<>(acquires.size());
    Map<Integer, List<Integer>> strongByGroup = new LinkedHashMap<>();
    for (int i = 0; i < acquires.size(); i++) {
      ValidatedAcquire acquire = acquires.get(i);
      decided.add(switch (acquire.consistency()) {
        case STRONG -> {
          strongByGroup.computeIfAbsent(router.groupOf(acquire.op().key()), g -> new ArrayList<>())
              .add(i);
          yield null; // filled in below
        }
        case EVENTUAL -> eventual.decide(acquire.op());
        case LEASED -> leased.decide(acquire.op());
      });
    }
    strongByGroup.forEach((group, positions) -> {
      List<AcquireOp> ops = new ArrayList<>(positions.size());
      positions.forEach(i -> ops.add(acquires.get(i).op()));
      noteRoute(group, ops.size());
      List<CompletableFuture<Decision>> results = router.submitAll(group, ops);
      for (int j = 0; j < positions.size(); j++) {
        decided.set(positions.get(j), results.get(j));
      }
    });
    return decided;
  }

  private CompletableFuture<AcquireResponse> respond(CompletableFuture<Decision> decided,
      BucketLimit limit, long startNanos) {
    return decided
        .thenApply(decision -> {
          metrics.decided(decision.allowed(), System.nanoTime() - startNanos);
          return toResponse(decision, limit);
        });
  }

  private CompletableFuture<Decision> strong(AcquireOp op) {
    int group = router.groupOf(op.key()); // hashed once per acquire
    noteRoute(group, 1);
    return router.submit(group, op);
  }

  /** Counts the ops of a group this node does not lead, and tells the client it was forwarded. */
  private void noteRoute(int group, int ops) {
    if (!router.leads(group)) {
      metrics.forwarded(ops);
      RouteHintInterceptor.markForwarded();
    }
  }

  private static AcquireResponse toResponse(Decision decision, BucketLimit limit) {
    return AcquireResponse.newBuilder()
        .setAllowed(decision.allowed())
        .setRemaining(decision.remaining())
        .setRetryAfterMillis(decision.retryAfterMillis())
        .setLimit(Limit.newBuilder()
            .setCapacity(limit.capacity())
            .setRefillPerSecond(limit.refillPerSecond()))
        .build();
  }

  private Status statusOf(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof GroupUnavailableException) {
      metrics.unavailable();
      return Status.UNAVAILABLE.withDescription(cause.getMessage());
    }
    LOG.error("acquire failed unexpectedly", cause);
    return Status.INTERNAL.withDescription("internal error: " + cause);
  }
}
