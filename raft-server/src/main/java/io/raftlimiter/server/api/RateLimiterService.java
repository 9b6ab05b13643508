package io.raftlimiter.server.api;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
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
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.data.GroupRouter;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.runtime.Replies;
import io.raftlimiter.server.security.CallerSubject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
  /** The trailer of a RESOURCE_EXHAUSTED answer saying when to try again. */
  public static final Metadata.Key<String> RETRY_AFTER_MILLIS =
      Metadata.Key.of("retry-after-millis", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final boolean nodeShadow;
  private final Predicate<byte[]> ruleShadowed;
  private final RequestValidator validator;
  private final GroupRouter router;
  private final NodeMetrics metrics;
  private final Decider eventual;
  private final Decider leased;
  private final Supplier<String> notServing;

  /**
   * STRONG acquires go to the owning group's committer; the other modes to their deciders.
   *
   * @param notServing why this node must not decide now, or null when it may. Such a call is
   *     answered {@code UNAVAILABLE}, so that clients go to another node, with nothing taken
   * @param nodeShadow whether every refusal is answered as allowed ({@code limit.shadow}):
   *     decided and counted as usual, marked {@code shadow_refused}, so that limits can be tried
   *     on live traffic before they are enforced
   * @param ruleShadowed whether the rule a key runs under is in shadow mode; it applies when the
   *     decision ran under that rule's limit, not under one the request carried
   */
  public RateLimiterService(RequestValidator validator, GroupRouter router, NodeMetrics metrics,
      Decider eventual, Decider leased, Supplier<String> notServing, boolean nodeShadow,
      Predicate<byte[]> ruleShadowed) {
    this.nodeShadow = nodeShadow;
    this.ruleShadowed = ruleShadowed;
    this.validator = validator;
    this.router = router;
    this.metrics = metrics;
    this.eventual = eventual;
    this.leased = leased;
    this.notServing = notServing;
  }

  /** True, after answering the call, when this node must not decide. */
  private boolean refused(StreamObserver<?> observer) {
    String why = notServing.get();
    if (why == null) {
      return false;
    }
    metrics.unavailable();
    Replies.fail(observer, Status.UNAVAILABLE.withDescription(
        "this node does not decide: " + why));
    return true;
  }

  @Override
  public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
    long startNanos = System.nanoTime();
    try {
      if (refused(observer)) {
        return;
      }
      ValidatedAcquire acquire = validator.validate(request, null, CallerSubject.current());
      decide(acquire, startNanos, deadlineNanos(startNanos)).whenComplete((response, error) -> {
        if (error != null) {
          fail(observer, error);
        } else {
          Replies.succeed(observer, response);
        }
      });
    } catch (InvalidRequestException e) {
      metrics.invalidRequest();
      Replies.fail(observer, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      fail(observer, e);
    }
  }

  /**
   * The caller's deadline on this node's monotonic clock, read on arrival: an op still queued
   * then is dropped before it reaches the log, so no work is committed for a caller who left.
   */
  private static long deadlineNanos(long arrivedNanos) {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      return GroupCommitter.NO_DEADLINE;
    }
    return arrivedNanos + Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS));
  }

  @Override
  public void acquireBatch(AcquireBatchRequest request, StreamObserver<AcquireBatchResponse> observer) {
    acquireBatch(request, null, observer);
  }

  /**
   * A batch whose requests may run under limits the operator fixed for this call, such as an
   * Envoy descriptor's configured limit: {@code fixedLimits.get(i)}, when not null, is the limit
   * of request {@code i}, over the rules, the default and any limit the request carries.
   *
   * @param fixedLimits one per request, or null when none is fixed
   */
  public void acquireBatch(AcquireBatchRequest request, List<BucketLimit> fixedLimits,
      StreamObserver<AcquireBatchResponse> observer) {
    long startNanos = System.nanoTime();
    try {
      if (refused(observer)) {
        return;
      }
      List<ValidatedAcquire> acquires = validateBatch(request, fixedLimits);
      List<CompletableFuture<Decision>> decided = decideAll(acquires, deadlineNanos(startNanos));
      List<CompletableFuture<AcquireResponse>> responses = new ArrayList<>(acquires.size());
      for (int i = 0; i < acquires.size(); i++) {
        responses.add(respond(decided.get(i), acquires.get(i), startNanos));
      }
      // Every entry is answered on its own: one that failed carries its error, and a retry of
      // just those costs the decided ones nothing. Only when none was decided does the call fail.
      CompletableFuture.allOf(responses.stream().map(r -> r.handle((ok, error) -> null))
              .toArray(CompletableFuture[]::new))
          .thenRun(() -> answerBatch(observer, responses));
    } catch (InvalidRequestException e) {
      metrics.invalidRequest();
      Replies.fail(observer, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      fail(observer, e);
    }
  }

  /** Answers a batch once every entry is decided or failed; nothing thrown escapes. */
  private void answerBatch(StreamObserver<AcquireBatchResponse> observer,
      List<CompletableFuture<AcquireResponse>> responses) {
    try {
      AcquireBatchResponse.Builder batch = AcquireBatchResponse.newBuilder();
      Throwable firstError = null;
      Status firstStatus = null;
      for (CompletableFuture<AcquireResponse> response : responses) {
        try {
          batch.addResponses(response.join());
        } catch (CompletionException | CancellationException e) {
          Throwable cause = unwrap(e);
          Status status = statusOf(cause);
          if (firstError == null) {
            firstError = cause;
            firstStatus = status;
          }
          batch.addResponses(failedEntry(cause, status));
        }
      }
      boolean noneDecided = firstError != null
          && batch.getResponsesList().stream().allMatch(AcquireResponse::hasError);
      if (noneDecided) {
        send(observer, firstError, firstStatus);
      } else {
        Replies.succeed(observer, batch.build());
      }
    } catch (RuntimeException e) {
      fail(observer, e);
    }
  }

  private List<ValidatedAcquire> validateBatch(AcquireBatchRequest request,
      List<BucketLimit> fixedLimits) throws InvalidRequestException {
    int count = request.getRequestsCount();
    if (count > RequestValidator.MAX_BATCH) {
      throw new InvalidRequestException("a batch holds at most " + RequestValidator.MAX_BATCH
          + " requests, got " + count);
    }
    List<ValidatedAcquire> acquires = new ArrayList<>(count);
    String caller = CallerSubject.current();
    for (int i = 0; i < count; i++) {
      try {
        acquires.add(validator.validate(request.getRequests(i),
            fixedLimits == null ? null : fixedLimits.get(i), caller));
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException("requests[" + i + "]: " + e.getMessage());
      }
    }
    return acquires;
  }

  private CompletableFuture<AcquireResponse> decide(ValidatedAcquire acquire, long startNanos,
      long deadlineNanos) {
    CompletableFuture<Decision> decided = switch (acquire.consistency()) {
      case STRONG -> strong(acquire.op(), deadlineNanos);
      case EVENTUAL -> eventual.decide(acquire.op());
      case LEASED -> leased.decide(acquire.op(), deadlineNanos);
    };
    return respond(decided, acquire, startNanos);
  }

  /**
   * A batch's decisions, in request order. Its STRONG ops go to their groups together, one list
   * per group, so that they share entries (and forward calls) rather than the first of them going
   * out alone.
   */
  private List<CompletableFuture<Decision>> decideAll(List<ValidatedAcquire> acquires,
      long deadlineNanos) {
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
        case LEASED -> leased.decide(acquire.op(), deadlineNanos);
      });
    }
    strongByGroup.forEach((group, positions) -> {
      List<BucketOp> ops = new ArrayList<>(positions.size());
      positions.forEach(i -> ops.add(acquires.get(i).op()));
      noteRoute(group, ops.size());
      List<CompletableFuture<Decision>> results = router.submitAll(group, ops, deadlineNanos);
      for (int j = 0; j < positions.size(); j++) {
        decided.set(positions.get(j), results.get(j));
      }
    });
    return decided;
  }

  private CompletableFuture<AcquireResponse> respond(CompletableFuture<Decision> decided,
      ValidatedAcquire acquire, long startNanos) {
    return decided
        .thenApply(decision -> {
          metrics.decided(acquire.consistency(), decision.allowed(),
              System.nanoTime() - startNanos);
          AcquireResponse response = toResponse(decision, acquire.op().limit());
          if (!decision.allowed() && (nodeShadow || acquire.underOperatorLimit()
              && ruleShadowed.test(acquire.op().key()))) {
            metrics.shadowRefused();
            return response.toBuilder().setAllowed(true).setShadowRefused(true).build();
          }
          return response;
        });
  }

  private CompletableFuture<Decision> strong(BucketOp op, long deadlineNanos) {
    int group = router.groupOf(op.key()); // hashed once per acquire
    noteRoute(group, 1);
    return router.submitAll(group, List.of(op), deadlineNanos).get(0);
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
        .setReplayed(decision.replayed())
        .setLimit(Limit.newBuilder()
            .setCapacity(limit.capacity())
            .setRefillPerSecond(limit.refillPerSecond()))
        .build();
  }

  /**
   * Ends the call with the status for {@code error}. A shed call carries when to retry, in the
   * {@code retry-after-millis} trailer and in gRPC's own {@code grpc-retry-pushback-ms}, which
   * clients with a retry policy obey.
   */
  private void fail(StreamObserver<?> observer, Throwable error) {
    Throwable cause = unwrap(error);
    send(observer, cause, statusOf(cause));
  }

  /** Ends the call with {@code status}, the one for {@code cause} (already counted). */
  private static void send(StreamObserver<?> observer, Throwable cause, Status status) {
    if (cause instanceof OverloadedException overloaded) {
      Metadata trailers = new Metadata();
      String millis = Long.toString(overloaded.retryAfterMillis());
      trailers.put(RETRY_AFTER_MILLIS, millis);
      trailers.put(RETRY_PUSHBACK_MS, millis);
      Replies.fail(observer, status, trailers);
      return;
    }
    Replies.fail(observer, status);
  }

  /** The answer for a batch entry that was not decided: never allowed, with why. */
  private static AcquireResponse failedEntry(Throwable cause, Status status) {
    AcquireResponse.Builder entry = AcquireResponse.newBuilder().setAllowed(false)
        .setError(com.google.rpc.Status.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(String.valueOf(status.getDescription())));
    if (cause instanceof OverloadedException overloaded) {
      entry.setRetryAfterMillis(overloaded.retryAfterMillis());
    }
    return entry.build();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** The status for {@code cause}, already unwrapped ({@link #unwrap}), counted. */
  private Status statusOf(Throwable cause) {
    if (cause instanceof OverloadedException overloaded) {
      metrics.shed();
      return Status.RESOURCE_EXHAUSTED.withDescription(cause.getMessage()
          + "; retry after " + overloaded.retryAfterMillis() + " ms");
    }
    if (cause instanceof GroupUnavailableException) {
      metrics.unavailable();
      return Status.UNAVAILABLE.withDescription(cause.getMessage());
    }
    if (cause instanceof DeadlineExpiredException) {
      metrics.expired();
      return Status.DEADLINE_EXCEEDED.withDescription(cause.getMessage());
    }
    LOG.error("acquire failed unexpectedly", cause);
    return Status.INTERNAL.withDescription("internal error: " + cause);
  }
}
