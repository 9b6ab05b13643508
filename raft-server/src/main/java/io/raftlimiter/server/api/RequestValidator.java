package io.raftlimiter.server.api;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.RequestLimitPolicy;
import io.raftlimiter.server.runtime.LimitLabel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Turns a public {@link AcquireRequest} into an {@link BucketOp}, or says exactly what is wrong
 * with it. Runs before anything is queued, so an invalid request consumes nothing.
 */
public final class RequestValidator {
  /** The largest number of requests in one {@code AcquireBatch}. */
  public static final int MAX_BATCH = 10_000;
  /** Room for the largest valid call: a full batch of the longest keys is about 5.5 MB. */
  public static final int MAX_REQUEST_BYTES = 16 << 20;

  private final LimitResolver limits;
  private final ConsistencyMode defaultConsistency;
  private final RequestLimitPolicy limitPolicy;

  /** Under a node's default policy, {@link RequestLimitPolicy#LOWER_ONLY}. */
  public RequestValidator(LimitResolver limits, ConsistencyMode defaultConsistency) {
    this(limits, defaultConsistency, RequestLimitPolicy.LOWER_ONLY);
  }

  /**
   * @param limitPolicy what a limit carried in a request may do against the operator's
   *     ({@code limit.request-override})
   */
  public RequestValidator(LimitResolver limits, ConsistencyMode defaultConsistency,
      RequestLimitPolicy limitPolicy) {
    this.limits = limits;
    this.defaultConsistency = defaultConsistency;
    this.limitPolicy = limitPolicy;
  }

  public ValidatedAcquire validate(AcquireRequest request) throws InvalidRequestException {
    return validate(request, null);
  }

  /**
   * As {@link #validate(AcquireRequest)}, but under {@code fixed} when it is not null: a limit
   * the operator set for this call (an Envoy descriptor's configured limit), which neither the
   * rules nor a limit the request carries change. A rule's shadow mode does not apply to it.
   */
  public ValidatedAcquire validate(AcquireRequest request, FixedLimit fixed)
      throws InvalidRequestException {
    return validate(request, fixed, null);
  }

  /**
   * As {@link #validate(AcquireRequest, FixedLimit)}, for a call made by {@code caller} (its
   * certificate subject; null when unknown): a {@code request_id} names an op within its
   * caller's ids only ({@link #scopedId}).
   */
  public ValidatedAcquire validate(AcquireRequest request, FixedLimit fixed, String caller)
      throws InvalidRequestException {
    byte[] keyBytes = key(request.getKey());
    long permits = request.getPermits();
    if (permits < 0) {
      throw new InvalidRequestException("permits must be >= 0 (0 means 1), got " + permits);
    }
    if (permits == 0) {
      permits = 1;
    }
    ConsistencyMode consistency = consistency(request);
    BucketLimit carried = request.hasLimit() ? limit(request.getLimit()) : null;
    // the rules are not looked up when the carried limit wins anyway
    OperatorLimit operator = fixed != null
        || carried != null && limitPolicy == RequestLimitPolicy.ALLOW ? null
        : limits.limitFor(keyBytes);
    BucketLimit limit = fixed != null ? fixed.bucket()
        : operator == null ? carried : limitPolicy.apply(carried, operator.bucket());
    boolean underOperatorLimit = operator != null && limit.equals(operator.bucket());
    if (permits > limit.capacity()) {
      throw new InvalidRequestException(
          "permits " + permits + " exceed the bucket capacity " + limit.capacity());
    }
    byte[] id = request.getRequestId().getBytes(StandardCharsets.UTF_8);
    if (id.length > BucketOp.MAX_ID_BYTES) {
      throw new InvalidRequestException("request_id is " + id.length + " UTF-8 bytes; at most "
          + BucketOp.MAX_ID_BYTES + " are allowed");
    }
    LimitLabel label = fixed != null ? fixed.label()
        : underOperatorLimit ? operator.label() : LimitLabel.REQUEST;
    return new ValidatedAcquire(
        new BucketOp(keyBytes, permits, limit, OpKind.ACQUIRE, scopedId(caller, id)),
        consistency, underOperatorLimit && operator.shadowed(), label);
  }

  /** A key's UTF-8 bytes, or what is wrong with it: empty, or longer than a key may be. */
  public static byte[] key(String key) throws InvalidRequestException {
    if (key.isEmpty()) {
      throw new InvalidRequestException("key must not be empty");
    }
    byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > BucketOp.MAX_KEY_BYTES) {
      throw new InvalidRequestException("key is " + bytes.length + " UTF-8 bytes; at most "
          + BucketOp.MAX_KEY_BYTES + " are allowed");
    }
    return bytes;
  }

  /**
   * The id an op carries into the log: the caller's own {@code id} when the caller is unknown or
   * sent none, else a SHA-256 digest of the caller's subject and the id, so that the same id
   * from two callers names two ops (each charged, each with its own outcome) while one caller's
   * retries, through any node, still name one. Computed at the edge, before the op is queued or
   * forwarded: the log and the replicas see only the scoped id.
   */
  static byte[] scopedId(String caller, byte[] id) {
    if (caller == null || id.length == 0) {
      return id;
    }
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(caller.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0); // no subject is a prefix of another's subject-and-id
      return digest.digest(id);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private ConsistencyMode consistency(AcquireRequest request) throws InvalidRequestException {
    return switch (request.getConsistencyValue()) {
      case 0 -> defaultConsistency;
      case 1 -> ConsistencyMode.STRONG;
      case 2 -> ConsistencyMode.EVENTUAL;
      case 3 -> ConsistencyMode.LEASED;
      default -> throw new InvalidRequestException(
          "unknown consistency value " + request.getConsistencyValue()
              + "; allowed: 0 (unspecified), 1 (STRONG), 2 (EVENTUAL), 3 (LEASED)");
    };
  }

  /** Checks a limit as the API carries it; the message names the offending field. */
  public static BucketLimit limit(Limit limit) throws InvalidRequestException {
    if (limit.getCapacity() < 1 || limit.getCapacity() > BucketLimit.MAX_CAPACITY) {
      throw new InvalidRequestException("limit.capacity must be from 1 to "
          + BucketLimit.MAX_CAPACITY + ", got " + limit.getCapacity());
    }
    double refill = limit.getRefillPerSecond();
    if (!Double.isFinite(refill) || refill <= 0) {
      throw new InvalidRequestException(
          "limit.refill_per_second must be a finite number > 0, got " + refill);
    }
    if (refill < BucketLimit.MIN_REFILL_PER_SECOND || refill > BucketLimit.MAX_REFILL_PER_SECOND) {
      throw new InvalidRequestException("limit.refill_per_second must be from "
          + BucketLimit.MIN_REFILL_PER_SECOND + " to " + BucketLimit.MAX_REFILL_PER_SECOND
          + ", got " + refill);
    }
    return BucketLimit.of(limit.getCapacity(), refill);
  }
}
