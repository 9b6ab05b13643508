package io.raftlimiter.bucket;

/**
 * What is stored for one key: the tokens in the bucket at {@code lastRefillNanos}, in
 * micro-tokens, plus the fraction of a micro-token that the last refill could not add yet.
 *
 * <p>{@code refillRemainder} is the numerator of that fraction over 10^9 (micro-token
 * nanoseconds), in {@code [0, 10^9)}. Carrying it forward is what keeps the refill exact: the
 * tokens added over any split of an interval sum to the tokens added over the whole interval.
 */
public record BucketState(
    BucketLimit limit, long tokensMicros, long refillRemainder, long lastRefillNanos) {

  public BucketState {
    if (limit == null) {
      throw new IllegalArgumentException("limit must not be null");
    }
    if (tokensMicros < 0 || tokensMicros > limit.capacityMicros()) {
      throw new IllegalArgumentException("tokensMicros out of range: " + tokensMicros);
    }
    if (refillRemainder < 0 || refillRemainder >= FixedPoint.NANOS_PER_SECOND) {
      throw new IllegalArgumentException("refillRemainder out of range: " + refillRemainder);
    }
  }

  /** A bucket never seen: full, which is also what a bucket refilled to the brim is. */
  public static BucketState full(BucketLimit limit, long nowNanos) {
    return new BucketState(limit, limit.capacityMicros(), 0, nowNanos);
  }

  /** A full bucket is equivalent to no bucket at all, so it need not be stored. */
  public boolean isFull() {
    return tokensMicros == limit.capacityMicros();
  }

  /** Whole tokens in the bucket. */
  public long tokens() {
    return tokensMicros / BucketLimit.MICROS_PER_TOKEN;
  }
}
