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
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import java.nio.charset.StandardCharsets;

/**
 * Envoy's rate limit service protocol, {@code envoy.service.ratelimit.v3.RateLimitService/
 * ShouldRateLimit}, so that Envoy (or Istio) can ask raftlimiter directly. Each descriptor is a
 * bucket, keyed {@code <domain>|<key>=<value>|...} in the order of its entries (see
 * {@link #key}); its limit is a
 * {@code limit} override the descriptor carries (N requests per unit: a bucket of N refilled at
 * N per unit), else the limit rule with the longest matching prefix (e.g. a rule for
 * {@code edge|remote_address=} covers every address in domain {@code edge}), else the node's
 * default. All descriptors of a request are decided in one batch by the same
 * {@link RateLimiterService} as gRPC calls, in the node's default consistency mode.
 *
 * <p>A descriptor takes {@code hits_addend} tokens (its own if set, else the request's, 0
 * meaning 1). The answer is {@code OVER_LIMIT} if any descriptor is refused; each status carries
 * its limit as requests per unit, the tokens left, and the time until its bucket is full. A
 * descriptor that asks for more than its bucket can hold (or whose key is too long) is
 * {@code OVER_LIMIT}, never let through. A descriptor that could not be decided (no quorum) fails
 * the whole call with its status, so Envoy's {@code failure_mode_deny} decides.
 */
public final class EnvoyRateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {
  private final RateLimiterService decisions;

  public EnvoyRateLimitService(RateLimiterService decisions) {
    this.decisions = decisions;
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
    UnaryCalls.call(decisions::acquireBatch, plan.batch()).whenComplete((answers, error) -> {
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
          observer.onError(Status.fromThrowable(error).asRuntimeException());
        }
      } catch (RuntimeException e) {
        observer.onError(Status.fromThrowable(e).asRuntimeException());
      }
    });
  }

  /**
   * The acquires to decide, and for each descriptor its place in them, or -1 when it is refused
   * without asking (more hits than any bucket holds, or a key too long to be one).
   */
  private record Plan(AcquireBatchRequest batch, int[] positions) {}

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

  private static Plan plan(RateLimitRequest request) throws InvalidRequestException {
    if (request.getDomain().isEmpty()) {
      throw new InvalidRequestException("domain must not be empty");
    }
    if (request.getDescriptorsCount() == 0) {
      throw new InvalidRequestException("at least one descriptor is needed");
    }
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    int[] positions = new int[request.getDescriptorsCount()];
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
      String key = key(request.getDomain(), descriptor);
      if (hits < 0 || hits > BucketLimit.MAX_CAPACITY
          || key.getBytes(StandardCharsets.UTF_8).length > BucketOp.MAX_KEY_BYTES) {
        positions[i] = -1; // 2^63 hits or more (unsigned), or no key: no bucket can allow it
        continue;
      }
      AcquireRequest.Builder acquire = AcquireRequest.newBuilder().setKey(key)
          .setPermits(Math.max(1, hits));
      if (descriptor.hasLimit()) {
        acquire.setLimit(override(descriptor.getLimit(), i));
      }
      positions[i] = batch.getRequestsCount();
      batch.addRequests(acquire);
    }
    return new Plan(batch.build(), positions);
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
    long seconds = switch (limit.getUnit()) {
      case SECOND -> 1;
      case MINUTE -> 60;
      case HOUR -> 3_600;
      case DAY -> 86_400;
      case MONTH -> 30 * 86_400;
      case YEAR -> 365 * 86_400;
      default -> throw new InvalidRequestException("descriptors[" + index + "].limit has no unit");
    };
    long perUnit = Integer.toUnsignedLong(limit.getRequestsPerUnit());
    return Limit.newBuilder().setCapacity(perUnit).setRefillPerSecond((double) perUnit / seconds)
        .build();
  }

  private static RateLimitResponse toResponse(Plan plan, AcquireBatchResponse answers) {
    RateLimitResponse.Builder response = RateLimitResponse.newBuilder().setOverallCode(Code.OK);
    AcquireResponse tightest = null;
    for (int position : plan.positions()) {
      if (position < 0) {
        response.setOverallCode(Code.OVER_LIMIT);
        response.addStatuses(DescriptorStatus.newBuilder().setCode(Code.OVER_LIMIT));
        continue;
      }
      AcquireResponse answer = answers.getResponses(position);
      if (answer.hasError()) {
        throw Status.fromCodeValue(answer.getError().getCode())
            .withDescription(answer.getError().getMessage()).asRuntimeException();
      }
      Limit limit = answer.getLimit();
      DescriptorStatus.Builder status = DescriptorStatus.newBuilder()
          .setCode(answer.getAllowed() ? Code.OK : Code.OVER_LIMIT)
          .setCurrentLimit(perUnit(limit))
          .setLimitRemaining((int) Math.min(Integer.MAX_VALUE, Math.max(0, answer.getRemaining())))
          .setDurationUntilReset(Duration.newBuilder().setSeconds(secondsUntilFull(answer)));
      response.addStatuses(status);
      if (!answer.getAllowed()) {
        response.setOverallCode(Code.OVER_LIMIT);
      }
      if (tightest == null || answer.getRemaining() < tightest.getRemaining()) {
        tightest = answer;
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
    long seconds = switch (unit) {
      case SECOND -> 1;
      case MINUTE -> 60;
      case HOUR -> 3_600;
      default -> 86_400;
    };
    long perUnit = Math.min(Integer.MAX_VALUE, Math.max(1, Math.round(refill * seconds)));
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
