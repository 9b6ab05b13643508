package io.raftlimiter.bucket;

/**
 * What is stored for one key: the tokens in the bucket at {@code lastRefillNanos}, in
 * micro-tokens, plus the fraction of a micro-token that the last refill could not add yet.
 *
 * <p>{@code tokensMicros} is below zero only for a bucket in debt: EVENTUAL nodes report hits they
 * have already admitted, and those are charged whether or not the tokens were there, so that
 * refill pays the over-admission back before anything else is admitted.
 *
 * <p>{@code refillRemainder} is the numerator of that fraction over 10^9 (micro-token
 * nanoseconds), in {@code [0, 10^9)}. Carrying it forward is what keeps the refill exact: the
 * tokens added over any split of an interval sum to the tokens added over the whole interval.
 *
 * <p>{@code leased} counts tokens granted on lease that nodes may still spend; refill stops at the
 * capacity less those ({@link LeaseTerm} says why).
 */
public record BucketState(BucketLimit limit, long tokensMicros, long refillRemainder,
    long lastRefillNanos, LeasedTokens leased) {
  /**
   * The deepest debt a bucket can hold: far below anything real traffic reaches, and far enough
   * above {@code Long.MIN_VALUE} that the refill and charge arithmetic cannot overflow.
   */
  public static final long MIN_TOKENS_MICROS = -(Long.MAX_VALUE / 4);

  public BucketState {
    if (limit == null || leased == null) {
      throw new IllegalArgumentException("limit and leased must not be null");
    }
    if (tokensMicros < MIN_TOKENS_MICROS || tokensMicros > limit.capacityMicros()) {
      throw new IllegalArgumentException("tokensMicros out of range: " + tokensMicros);
    }
    if (refillRemainder < 0 || refillRemainder >= FixedPoint.NANOS_PER_SECOND) {
      throw new IllegalArgumentException("refillRemainder out of range: " + refillRemainder);
    }
  }

  /** A bucket with no lease outstanding. */
  public BucketState(BucketLimit limit, long tokensMicros, long refillRemainder,
      long lastRefillNanos) {
    this(limit, tokensMicros, refillRemainder, lastRefillNanos, LeasedTokens.NONE);
  }

  /** The same bucket with {@code newLeased} counted as out on lease. */
  public BucketState withLeased(LeasedTokens newLeased) {
    return new BucketState(limit, tokensMicros, refillRemainder, lastRefillNanos, newLeased);
  }

  /** A bucket never seen: full, which is also what a bucket refilled to the brim is. */
  public static BucketState full(BucketLimit limit, long nowNanos) {
    return new BucketState(limit, limit.capacityMicros(), 0, nowNanos);
  }

  /**
   * A full bucket with nothing out on lease is equivalent to no bucket at all, so it need not be
   * stored (one with leases outstanding must be, or their count would be lost).
   */
  public boolean isFull() {
    return tokensMicros == limit.capacityMicros() && !leased.any();
  }

  /** Whole tokens in the bucket, rounded down (a debt of half a token is -1). */
  public long tokens() {
    return Math.floorDiv(tokensMicros, BucketLimit.MICROS_PER_TOKEN);
  }
}
