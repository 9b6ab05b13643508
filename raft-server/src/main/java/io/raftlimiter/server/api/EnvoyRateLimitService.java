package io.raftlimiter.server.api;

import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.RequestLimitPolicy;
import io.raftlimiter.server.envoy.ConfiguredLimit;
import io.raftlimiter.server.envoy.DescriptorConfig;
import io.raftlimiter.server.envoy.EnvoyUnits;
import io.raftlimiter.server.runtime.LimitLabel;
import io.raftlimiter.server.runtime.Replies;
import io.raftlimiter.server.security.CallerSubject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Envoy's rate limit service protocol, {@code envoy.service.ratelimit.v3.RateLimitService/
 * ShouldRateLimit}, so that Envoy (or Istio) can ask raftlimiter directly. Each descriptor is a
 * bucket, keyed {@code <domain>|<key>=<value>|...} in the order of its entries (see
 * {@link #key}). Its limit is, in order:
 * <ul>
 *   <li>in a domain that has a descriptor configuration ({@code envoy.config}, the format of
 *       Envoy's ratelimit service), the limit it gives the descriptor, which rules do not change;
 *       a descriptor it gives none (or {@code unlimited}) is answered {@code OK} and takes
 *       nothing, as in Envoy's ratelimit service;
 *   <li>in other domains, the limit rule with the longest matching prefix (e.g. a rule for
 *       {@code edge|remote_address=} covers every address in domain {@code edge}), else the
 *       node's default.
 * </ul>
 * A {@code limit} override the descriptor carries (N requests per unit: a bucket of N refilled
 * at N per unit) is weighed against that operator's limit by {@code limit.request-override},
 * as any limit a request carries: it wins (ALLOW, Envoy's own behaviour), is ignored (DENY), or
 * may only tighten it (LOWER_ONLY).
 * All descriptors of a request are decided in one batch by the same {@link Decisions}
 * as gRPC calls, in the mode {@code envoy.consistency} names (unset: the node's default).
 *
 * <p>A descriptor takes {@code hits_addend} tokens (its own if set, else the request's, 0
 * meaning 1). The answer is {@code OVER_LIMIT} if any descriptor is refused; each status carries
 * its limit as requests per unit, the tokens left, and the time until its bucket is full. A
 * descriptor that asks for more than its bucket can hold (or whose key is too long) is
 * {@code OVER_LIMIT}, never let through. A configured descriptor in {@code shadow_mode} is
 * decided and counted, and answered {@code OK} even when refused. A descriptor that could not be
 * decided (no quorum) fails the whole call with its status, so Envoy's
 * {@code failure_mode_deny} decides.
 */
public final class EnvoyRateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {
  private final Decisions decisions;
  private final Supplier<DescriptorConfig> configured;
  private final RequestLimitPolicy requestOverride;
  private final Runnable shadowRefused;
  private final Consistency consistency;

  /**
   * @param configured the descriptor configuration in force, read on each call
   * @param requestOverride what a descriptor's own {@code limit} may do against a configured
   *     one ({@code limit.request-override}, as for any limit a request carries)
   * @param shadowRefused counts a refusal answered {@code OK} in shadow mode
   * @param consistency the mode descriptors are decided in ({@code envoy.consistency}; unset,
   *     the node's default)
   */
  public EnvoyRateLimitService(Decisions decisions,
      Supplier<DescriptorConfig> configured, RequestLimitPolicy requestOverride,
      Runnable shadowRefused, ConsistencyMode consistency) {
    this.decisions = decisions;
    this.configured = configured;
    this.requestOverride = requestOverride;
    this.shadowRefused = shadowRefused;
    this.consistency = consistency == null ? Consistency.CONSISTENCY_UNSPECIFIED
        : Consistency.valueOf("CONSISTENCY_" + consistency.name());
  }

  @Override
  public void shouldRateLimit(RateLimitRequest request,
      StreamObserver<RateLimitResponse> observer) {
    Plan plan;
    try {
      plan = plan(request);
    } catch (InvalidRequestException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage())
          .asRuntimeException());
      return;
    }
    if (plan.batch().getRequestsCount() == 0) {
      observer.onNext(toResponse(plan, null));
      observer.onCompleted();
      return;
    }
    long arrivedNanos = System.nanoTime();
    decisions.acquireBatch(plan.batch(), plan.fixedLimits(), CallerSubject.current(),
        RateLimiterService.callerDeadlineNanos(arrivedNanos)).whenComplete((answers, error) -> {
      try {
        if (error == null) {
          observer.onNext(toResponse(plan, answers));
          observer.onCompleted();
        } else if (Status.fromThrowable(error).getCode() == Status.Code.INVALID_ARGUMENT) {
          // A descriptor asks for more than its bucket can ever hold: refused, and so is the
          // request, with nothing taken (never let through because it could not be decided).
          observer.onNext(allOverLimit(request.getDescriptorsCount(),
              Status.fromThrowable(error).getDescription()));
          observer.onCompleted();
        } else {
          Replies.fail(observer, Status.fromThrowable(error), Status.trailersFromThrowable(error));
        }
      } catch (RuntimeException e) {
        observer.onError(Status.fromThrowable(e).asRuntimeException());
      }
    });
  }

  /**
   * The acquires to decide, with the limit the descriptor configuration fixes for each (or
   * null), and what became of each descriptor.
   */
  private record Plan(AcquireBatchRequest batch, List<FixedLimit> fixedLimits, List<Slot> slots) {}

  /**
   * One descriptor: decided as acquire {@code position} of the batch, or answered {@code preset}
   * without asking; {@code configured} is its limit from the descriptor configuration, or null.
   */
  private record Slot(int position, Code preset, ConfiguredLimit configured) {
    static Slot asked(int position, ConfiguredLimit configured) {
      return new Slot(position, null, configured);
    }

    static Slot answered(Code code, ConfiguredLimit configured) {
      return new Slot(-1, code, configured);
    }
  }

  /** Envoy's separators in a key part: escaped, so that no two descriptors share a bucket. */
  private static String escaped(String part) {
    return part.replace("\\", "\\\\").replace("|", "\\|").replace("=", "\\=");
  }

  /**
   * The bucket key of {@code descriptor} in {@code domain}: {@code domain|key=value|...}, with
   * {@code \}, {@code |} and {@code =} inside the parts escaped by a {@code \}. Pure.
   */
  public static String key(String domain, RateLimitDescriptor descriptor) {
    StringBuilder key = new StringBuilder(escaped(domain));
    for (RateLimitDescriptor.Entry entry : descriptor.getEntriesList()) {
      key.append('|').append(escaped(entry.getKey())).append('=')
          .append(escaped(entry.getValue()));
    }
    return key.toString();
  }

  private Plan plan(RateLimitRequest request) throws InvalidRequestException {
    String domain = request.getDomain();
    if (domain.isEmpty()) {
      throw new InvalidRequestException("domain must not be empty");
    }
    if (request.getDescriptorsCount() == 0) {
      throw new InvalidRequestException("at least one descriptor is needed");
    }
    DescriptorConfig config = configured.get();
    boolean governed = config.governs(domain);
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    List<FixedLimit> fixedLimits = new ArrayList<>();
    List<Slot> slots = new ArrayList<>(request.getDescriptorsCount());
    for (int i = 0; i < request.getDescriptorsCount(); i++) {
      RateLimitDescriptor descriptor = request.getDescriptors(i);
      if (descriptor.getEntriesCount() == 0) {
        throw new InvalidRequestException("descriptors[" + i + "] has no entries");
      }
      for (RateLimitDescriptor.Entry entry : descriptor.getEntriesList()) {
        if (entry.getKey().isEmpty()) {
          throw new InvalidRequestException("descriptors[" + i + "] has an entry without a key");
        }
      }
      long hits = descriptor.hasHitsAddend() ? descriptor.getHitsAddend().getValue()
          : Integer.toUnsignedLong(request.getHitsAddend());
      String key = key(domain, descriptor);
      Limit carried = descriptor.hasLimit() ? override(descriptor.getLimit(), i) : null;
      Governed limit = governed
          ? governed(config.limitOf(domain, descriptor.getEntriesList()), carried) : null;
      if (limit != null && limit.bucket() == null) {
        slots.add(Slot.answered(limit.refused() ? Code.OVER_LIMIT : Code.OK, limit.configured()));
        continue;
      }
      if (hits < 0 || hits > BucketLimit.MAX_CAPACITY
          || key.getBytes(StandardCharsets.UTF_8).length > BucketOp.MAX_KEY_BYTES
          || limit != null && hits > limit.bucket().capacity()) {
        // 2^63 hits or more (unsigned), more than the limit ever holds, or no key: no bucket
        // can allow it
        slots.add(Slot.answered(Code.OVER_LIMIT, limit == null ? null : limit.configured()));
        continue;
      }
      AcquireRequest.Builder acquire = AcquireRequest.newBuilder().setKey(key)
          .setPermits(Math.max(1, hits)).setConsistency(consistency);
      if (carried != null && limit == null) {
        acquire.setLimit(carried); // weighed against the rules by limit.request-override
      }
      slots.add(Slot.asked(batch.getRequestsCount(), limit == null ? null : limit.configured()));
      fixedLimits.add(limit == null ? null : new FixedLimit(limit.bucket(),
          limit.configured() == null ? LimitLabel.REQUEST
              : LimitLabel.envoy(limit.configured().metricName(domain,
                  descriptor.getEntriesList()))));
      batch.addRequests(acquire);
    }
    return new Plan(batch.build(), fixedLimits, slots);
  }

  /**
   * A descriptor's limit in a domain the descriptor configuration governs: the bucket to decide
   * it under, or none when it is answered without asking (OK, or OVER_LIMIT when
   * {@code refused}); {@code configured} when the configured limit is the one in force, for the
   * answer's {@code current_limit} and its shadow mode.
   */
  private record Governed(BucketLimit bucket, boolean refused, ConfiguredLimit configured) {}

  /**
   * Weighs the limit a descriptor carries against the configured one by
   * {@code limit.request-override}, as a request's limit is weighed against the rules: the
   * configuration is the operator's. A configuration that does not limit the descriptor is an
   * operator's limit of "unlimited", so DENY answers OK and the other policies keep the carried
   * limit; a configured 0 refuses unless ALLOW lets a carried limit win. A carried limit out of
   * range is refused (OVER_LIMIT), as it is in other domains, never let through.
   */
  private Governed governed(ConfiguredLimit configured, Limit carriedLimit) {
    BucketLimit carried;
    try {
      carried = carriedLimit == null ? null : RequestValidator.limit(carriedLimit);
    } catch (InvalidRequestException e) {
      return new Governed(null, true, null);
    }
    if (configured == null) {
      return carried == null || requestOverride == RequestLimitPolicy.DENY
          ? new Governed(null, false, null) : new Governed(carried, false, null);
    }
    if (configured.refusesAll()) {
      return carried != null && requestOverride == RequestLimitPolicy.ALLOW
          ? new Governed(carried, false, null) : new Governed(null, true, configured);
    }
    BucketLimit bucket = requestOverride.apply(carried, configured.bucket());
    return new Governed(bucket, false, bucket.equals(configured.bucket()) ? configured : null);
  }

  private static RateLimitResponse allOverLimit(int descriptors, String why) {
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder()
        .setOverallCode(Code.OVER_LIMIT);
    for (int i = 0; i < descriptors; i++) {
      response.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OVER_LIMIT));
    }
    if (why != null) {
      response.addResponseHeadersToAdd(header("x-raftlimiter-refused", why));
    }
    return response.build();
  }

  /** N requests per unit: a bucket of N, refilled at N per unit. */
  private static Limit override(RateLimitDescriptor.RateLimitOverride limit, int index)
      throws InvalidRequestException {
    RateLimit.Unit unit = EnvoyUnits.named(limit.getUnit().name());
    if (unit == null) {
      throw new InvalidRequestException("descriptors[" + index + "].limit has no unit");
    }
    long perUnit = Integer.toUnsignedLong(limit.getRequestsPerUnit());
    return Limit.newBuilder().setCapacity(perUnit)
        .setRefillPerSecond((double) perUnit / EnvoyUnits.seconds(unit)).build();
  }

  private RateLimitResponse toResponse(Plan plan, AcquireBatchResponse answers) {
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder().setOverallCode(Code.OK);
    AcquireResponse tightest = null;
    for (Slot slot : plan.slots()) {
      DescriptorStatus.Builder status = DescriptorStatus.newBuilder();
      ConfiguredLimit configured = slot.configured();
      if (configured != null) {
        status.setCurrentLimit(RateLimit.newBuilder()
            .setRequestsPerUnit((int) Math.min(Integer.MAX_VALUE, configured.requestsPerUnit()))
            .setUnit(configured.unit()).setName(configured.name()));
      }
      boolean allowed;
      if (slot.preset() != null) {
        allowed = slot.preset() == Code.OK;
      } else {
        AcquireResponse answer = answers.getResponses(slot.position());
        if (answer.hasError()) {
          throw Status.fromCodeValue(answer.getError().getCode())
              .withDescription(answer.getError().getMessage()).asRuntimeException();
        }
        allowed = answer.getAllowed();
        if (configured == null) {
          status.setCurrentLimit(perUnit(answer.getLimit()));
        }
        status.setLimitRemaining((int) Math.min(Integer.MAX_VALUE,
                Math.max(0, answer.getRemaining())))
            .setDurationUntilReset(Duration.newBuilder().setSeconds(secondsUntilFull(answer)));
        if (tightest == null || answer.getRemaining() < tightest.getRemaining()) {
          tightest = answer;
        }
      }
      if (!allowed && configured != null && configured.shadow()) {
        shadowRefused.run(); // counted as over, answered OK: the limit is only being tried
        allowed = true;
      }
      status.setCode(allowed ? Code.OK : Code.OVER_LIMIT);
      response.addStatuses(status);
      if (!allowed) {
        response.setOverallCode(Code.OVER_LIMIT);
      }
    }
    if (tightest != null) {
      response.addResponseHeadersToAdd(header("RateLimit-Policy", "\"bucket\";q="
          + tightest.getLimit().getCapacity() + ";w=" + (long) Math.ceil(
              tightest.getLimit().getCapacity() / tightest.getLimit().getRefillPerSecond())));
      response.addResponseHeadersToAdd(header("RateLimit", "\"bucket\";r="
          + Math.max(0, tightest.getRemaining()) + ";t=" + secondsUntilFull(tightest)));
    }
    return response.build();
  }

  /** A token bucket as Envoy's "N requests per unit": the refill over the unit nearest its window. */
  static RateLimit perUnit(Limit limit) {
    double refill = limit.getRefillPerSecond();
    // The seconds from empty to full, less the refill's rounding (it is held to 1e-6 tokens/s),
    // so that 2 per minute, a refill of 0.033333/s, is still a window of 60 s.
    double window = limit.getCapacity() / refill * (1 - 1e-4);
    RateLimit.Unit unit = window <= 1 ? RateLimit.Unit.SECOND : window <= 60
        ? RateLimit.Unit.MINUTE : window <= 3_600 ? RateLimit.Unit.HOUR : RateLimit.Unit.DAY;
    long perUnit = Math.min(Integer.MAX_VALUE,
        Math.max(1, Math.round(refill * EnvoyUnits.seconds(unit))));
    return RateLimit.newBuilder().setRequestsPerUnit((int) perUnit).setUnit(unit).build();
  }

  private static long secondsUntilFull(AcquireResponse answer) {
    Limit limit = answer.getLimit();
    if (limit.getRefillPerSecond() <= 0) {
      return 0;
    }
    return (long) Math.ceil(Math.max(0, limit.getCapacity() - answer.getRemaining())
        / Math.min(limit.getRefillPerSecond(), BucketLimit.MAX_REFILL_PER_SECOND));
  }

  private static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }
}
