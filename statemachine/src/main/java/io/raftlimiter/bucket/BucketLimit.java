package io.raftlimiter.bucket;

/**
 * The limit a token bucket runs under: at most {@code capacity} tokens, refilled continuously at
 * {@code refillMicrosPerSecond} micro-tokens per second.
 *
 * <p>The refill rate is held as an integer number of micro-tokens per second so that the bucket
 * math is exact integer arithmetic; a rate given as a double is rounded to the nearest micro-token
 * per second once, here, and never again.
 */
public record BucketLimit(long capacity, long refillMicrosPerSecond) {

  /** One token, in the fixed-point unit the bucket counts in. */
  public static final long MICROS_PER_TOKEN = 1_000_000L;
  /** Largest capacity accepted: 10^12 tokens, i.e. 10^18 micro-tokens, still below 2^63. */
  public static final long MAX_CAPACITY = 1_000_000_000_000L;
  /** Smallest refill rate that survives rounding to micro-tokens per second. */
  public static final double MIN_REFILL_PER_SECOND = 1e-6;
  /** Largest refill rate: a full bucket of the largest capacity per second. */
  public static final double MAX_REFILL_PER_SECOND = MAX_CAPACITY;

  public BucketLimit {
    if (capacity < 1 || capacity > MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "capacity must be between 1 and " + MAX_CAPACITY + ", got " + capacity);
    }
    if (refillMicrosPerSecond < 1 || refillMicrosPerSecond > MAX_CAPACITY * MICROS_PER_TOKEN) {
      throw new IllegalArgumentException(
          "refill must be between 1 and " + MAX_CAPACITY * MICROS_PER_TOKEN
              + " micro-tokens per second, got " + refillMicrosPerSecond);
    }
  }

  /** Validates a limit given in tokens and tokens per second, as the public API carries it. */
  public static BucketLimit of(long capacity, double refillPerSecond) {
    if (!Double.isFinite(refillPerSecond) || refillPerSecond <= 0) {
      throw new IllegalArgumentException(
          "refill_per_second must be a finite number > 0, got " + refillPerSecond);
    }
    if (refillPerSecond < MIN_REFILL_PER_SECOND || refillPerSecond > MAX_REFILL_PER_SECOND) {
      throw new IllegalArgumentException("refill_per_second must be between "
          + MIN_REFILL_PER_SECOND + " and " + MAX_REFILL_PER_SECOND + ", got " + refillPerSecond);
    }
    return new BucketLimit(capacity, Math.round(refillPerSecond * MICROS_PER_TOKEN));
  }

  public long capacityMicros() {
    return capacity * MICROS_PER_TOKEN;
  }

  public double refillPerSecond() {
    return (double) refillMicrosPerSecond / MICROS_PER_TOKEN;
  }

  @Override
  public String toString() {
    return "BucketLimit{capacity=" + capacity + ", refillPerSecond=" + refillPerSecond() + "}";
  }
}
