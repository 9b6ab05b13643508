package io.raftlimiter.server.api;

import io.grpc.Metadata;
import io.grpc.Status;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.routing.RouteHints;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.decide.LocalDecision;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one decide path below the front ends (gRPC {@link RateLimiterService}, {@link HttpJsonApi},
 * {@link EnvoyRateLimitService}, which only translate): whether this node decides now,
 * validation, the {@link Decider} of each request's mode, metrics, shadow mode, and the status of
 * each failure.
 *
 * <p>Never throws and never blocks: a failure completes the answer with a
 * {@link io.grpc.StatusRuntimeException} (a shed call carries when to retry in its trailers),
 * counted once, and no failure is ever answered {@code allowed}.
 */
public final class Decisions {
  private static final Logger LOG = LoggerFactory.getLogger(Decisions.class);
  /** The trailer of a RESOURCE_EXHAUSTED answer saying when to try again. */
  public static final Metadata.Key<String> RETRY_AFTER_MILLIS = RouteHints.RETRY_AFTER_MILLIS;
  /** The same, in gRPC's own trailer, which clients with a retry policy obey. */
  private static final Metadata.Key<String> RETRY_PUSHBACK_MS =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  private final RequestValidator validator;
  private final Map<ConsistencyMode, Decider> deciders;
  private final NodeMetrics metrics;
  private final Supplier<String> notServing;
  private final boolean nodeShadow;

  /**
   * @param deciders one for each consistency mode
   * @param notServing why this node must not decide now, or null when it may. Such a call is
   *     answered {@code UNAVAILABLE}, so that clients go to another node, with nothing taken
   * @param nodeShadow whether every refusal is answered as allowed ({@code limit.shadow}):
   *     decided and counted as usual, marked {@code shadow_refused}, so that limits can be tried
   *     on live traffic before they are enforced; a rule in shadow mode does the same for the
   *     decisions under it ({@link ValidatedAcquire#ruleShadowed})
   */
  public Decisions(RequestValidator validator, Map<ConsistencyMode, Decider> deciders,
      NodeMetrics metrics, Supplier<String> notServing, boolean nodeShadow) {
    this.validator = validator;
    this.deciders = new EnumMap<>(deciders);
    for (ConsistencyMode mode : ConsistencyMode.values()) {
      if (!this.deciders.containsKey(mode)) {
        throw new IllegalArgumentException("no decider for " + mode);
      }
    }
    this.metrics = metrics;
    this.notServing = notServing;
    this.nodeShadow = nodeShadow;
  }

  /**
   * Decides one acquire.
   *
   * @param caller who asks ({@code CallerSubject}), or null: retry ids are scoped to it
   * @param deadlineNanos when the caller stops waiting ({@link System#nanoTime()}), or
   *     {@code GroupCommitter.NO_DEADLINE}: an op still queued then is dropped before the log
   */
  public CompletableFuture<AcquireResponse> acquire(AcquireRequest request, String caller,
      long deadlineNanos) {
    long startNanos = System.nanoTime();
    try {
      Status refusal = refusal();
      if (refusal != null) {
        return failed(refusal.asRuntimeException());
      }
      ValidatedAcquire acquire = validator.validate(request, null, caller);
      CompletableFuture<Decision> decided =
          deciders.get(acquire.consistency()).decide(acquire.op(), deadlineNanos);
      return respond(decided, acquire, startNanos)
          .exceptionallyCompose(error -> failed(asStatus(unwrap(error))));
    } catch (InvalidRequestException e) {
      return failed(invalid(e.getMessage()));
    } catch (RuntimeException e) {
      return failed(asStatus(e));
    }
  }

  /**
   * Decides a batch. Every entry is answered on its own: one that failed carries its error (a
   * retry of just those costs the decided ones nothing); only when none was decided does the
   * whole answer fail, with the first entry's error.
   *
   * @param fixedLimits one per request, or null: {@code fixedLimits.get(i)}, when not null, is
   *     the limit of request {@code i} over the rules, the default and any limit the request
   *     carries, as an Envoy descriptor's configured limit is
   */
  public CompletableFuture<AcquireBatchResponse> acquireBatch(AcquireBatchRequest request,
      List<FixedLimit> fixedLimits, String caller, long deadlineNanos) {
    long startNanos = System.nanoTime();
    try {
      Status refusal = refusal();
      if (refusal != null) {
        return failed(refusal.asRuntimeException());
      }
      List<ValidatedAcquire> acquires = validateBatch(request, fixedLimits, caller);
      List<CompletableFuture<Decision>> decided = decideAll(acquires, deadlineNanos);
      List<CompletableFuture<AcquireResponse>> responses = new ArrayList<>(acquires.size());
      for (int i = 0; i < acquires.size(); i++) {
        responses.add(respond(decided.get(i), acquires.get(i), startNanos));
      }
      return CompletableFuture.allOf(responses.stream().map(r -> r.handle((ok, error) -> null))
              .toArray(CompletableFuture[]::new))
          .thenCompose(all -> answerBatch(responses));
    } catch (InvalidRequestException e) {
      return failed(invalid(e.getMessage()));
    } catch (RuntimeException e) {
      return failed(asStatus(e));
    }
  }

  /** The status for a call this node must not decide now, counted; null when it may. */
  private Status refusal() {
    String why = notServing.get();
    if (why == null) {
      return null;
    }
    metrics.unavailable();
    return Status.UNAVAILABLE.withDescription("this node does not decide: " + why);
  }

  private RuntimeException invalid(String message) {
    metrics.invalidRequest();
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  private List<ValidatedAcquire> validateBatch(AcquireBatchRequest request,
      List<FixedLimit> fixedLimits, String caller) throws InvalidRequestException {
    int count = request.getRequestsCount();
    if (count > RequestValidator.MAX_BATCH) {
      throw new InvalidRequestException("a batch holds at most " + RequestValidator.MAX_BATCH
          + " requests, got " + count);
    }
    List<ValidatedAcquire> acquires = new ArrayList<>(count);
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

  /** A batch's decisions in request order; each mode's decider gets its requests together. */
  private List<CompletableFuture<Decision>> decideAll(List<ValidatedAcquire> acquires,
      long deadlineNanos) {
    List<CompletableFuture<Decision>> decided = new ArrayList<>(acquires.size());
    Map<ConsistencyMode, List<Integer>> byMode = new EnumMap<>(ConsistencyMode.class);
    for (int i = 0; i < acquires.size(); i++) {
      decided.add(null); // filled in below
      byMode.computeIfAbsent(acquires.get(i).consistency(), m -> new ArrayList<>()).add(i);
    }
    byMode.forEach((mode, positions) -> {
      List<BucketOp> ops = new ArrayList<>(positions.size());
      positions.forEach(i -> ops.add(acquires.get(i).op()));
      List<CompletableFuture<Decision>> results = deciders.get(mode).decideAll(ops, deadlineNanos);
      for (int j = 0; j < positions.size(); j++) {
        decided.set(positions.get(j), results.get(j));
      }
    });
    return decided;
  }

  private CompletableFuture<AcquireResponse> respond(CompletableFuture<Decision> decided,
      ValidatedAcquire acquire, long startNanos) {
    boolean local = LocalDecision.isLocal(decided);
    return decided.thenApply(decision -> {
      metrics.decided(acquire.consistency(), decision.allowed(), System.nanoTime() - startNanos);
      AcquireResponse response = toResponse(decision, acquire.op().limit(), local);
      boolean shadowRefused = !decision.allowed() && (nodeShadow || acquire.ruleShadowed());
      metrics.limits().decided(acquire.label(), decision.allowed(), shadowRefused,
          decision.remaining(), acquire.op().limit().capacity());
      if (shadowRefused) {
        metrics.shadowRefused();
        return response.toBuilder().setAllowed(true).setShadowRefused(true).build();
      }
      return response;
    });
  }

  /** The answer of a batch whose entries are all decided or failed. */
  private CompletableFuture<AcquireBatchResponse> answerBatch(
      List<CompletableFuture<AcquireResponse>> responses) {
    AcquireBatchResponse.Builder batch = AcquireBatchResponse.newBuilder();
    RuntimeException firstError = null;
    boolean anyDecided = false;
    for (CompletableFuture<AcquireResponse> response : responses) {
      try {
        batch.addResponses(response.join());
        anyDecided = true;
      } catch (CompletionException | CancellationException e) {
        Throwable cause = unwrap(e);
        RuntimeException status = asStatus(cause);
        if (firstError == null) {
          firstError = status;
        }
        batch.addResponses(failedEntry(cause, Status.fromThrowable(status)));
      }
    }
    return firstError != null && !anyDecided ? failed(firstError)
        : CompletableFuture.completedFuture(batch.build());
  }

  private static AcquireResponse toResponse(Decision decision, BucketLimit limit,
      boolean local) {
    return AcquireResponse.newBuilder()
        .setAllowed(decision.allowed())
        .setRemaining(decision.remaining())
        .setRetryAfterMillis(decision.retryAfterMillis())
        .setReplayed(decision.replayed())
        .setDecidedLocally(local)
        .setLimit(Limit.newBuilder()
            .setCapacity(limit.capacity())
            .setRefillPerSecond(limit.refillPerSecond()))
        .build();
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

  /**
   * The status failure for {@code cause} (already unwrapped), counted. A shed call carries when
   * to retry in the {@code retry-after-millis} and {@code grpc-retry-pushback-ms} trailers.
   */
  private RuntimeException asStatus(Throwable cause) {
    if (cause instanceof OverloadedException overloaded) {
      metrics.shed();
      Metadata trailers = new Metadata();
      String millis = Long.toString(overloaded.retryAfterMillis());
      trailers.put(RETRY_AFTER_MILLIS, millis);
      trailers.put(RETRY_PUSHBACK_MS, millis);
      return Status.RESOURCE_EXHAUSTED.withDescription(cause.getMessage()
          + "; retry after " + overloaded.retryAfterMillis() + " ms").asRuntimeException(trailers);
    }
    if (cause instanceof GroupUnavailableException) {
      metrics.unavailable();
      return Status.UNAVAILABLE.withDescription(cause.getMessage()).asRuntimeException();
    }
    if (cause instanceof DeadlineExpiredException) {
      metrics.expired();
      return Status.DEADLINE_EXCEEDED.withDescription(cause.getMessage()).asRuntimeException();
    }
    LOG.error("acquire failed unexpectedly", cause);
    return Status.INTERNAL.withDescription("internal error: " + cause).asRuntimeException();
  }

  private static <T> CompletableFuture<T> failed(RuntimeException error) {
    return CompletableFuture.failedFuture(error);
  }
}
