package io.raftlimiter.bucket;

/**
 * Pure token-bucket math: every function takes the time as an argument and returns a new state;
 * nothing here reads a clock, allocates a thread or touches storage.
 *
 * <p>Time that goes backwards is treated as no time at all: the state is returned unchanged, so a
 * skewed stamp can never mint tokens.
 */
public final class TokenBucket {
  private TokenBucket() {}

  /** The result of an acquire: the decision and the bucket's state after it. */
  public record Outcome(Decision decision, BucketState state) {}

  /** The state at {@code nowNanos}: tokens added for the time elapsed, capped at capacity. */
  public static BucketState refill(BucketState state, long nowNanos) {
    long elapsedNanos = nowNanos - state.lastRefillNanos();
    if (nowNanos <= state.lastRefillNanos() || elapsedNanos <= 0) {
      return state;
    }
    long capacityMicros = state.limit().capacityMicros();
    if (state.tokensMicros() == capacityMicros) {
      return new BucketState(state.limit(), capacityMicros, 0, nowNanos);
    }
    long rate = state.limit().refillMicrosPerSecond();
    long added = FixedPoint.mulAddDivByBillion(elapsedNanos, rate, state.refillRemainder());
    if (added >= capacityMicros - state.tokensMicros()) {
      return new BucketState(state.limit(), capacityMicros, 0, nowNanos);
    }
    long remainder = FixedPoint.mulAddModBillion(elapsedNanos, rate, state.refillRemainder());
    return new BucketState(state.limit(), state.tokensMicros() + added, remainder, nowNanos);
  }

  /**
   * Applies {@code limit} from {@code nowNanos} on: time up to now refills at the old rate, then
   * the tokens are clipped to the new capacity.
   */
  public static BucketState withLimit(BucketState state, BucketLimit limit, long nowNanos) {
    BucketState refilled = refill(state, nowNanos);
    if (refilled.limit().equals(limit)) {
      return refilled;
    }
    if (refilled.tokensMicros() >= limit.capacityMicros()) {
      // clipped: the carried fraction would sit above the new capacity
      return BucketState.full(limit, refilled.lastRefillNanos());
    }
    return new BucketState(limit, refilled.tokensMicros(), refilled.refillRemainder(),
        refilled.lastRefillNanos());
  }

  /**
   * Takes {@code permits} tokens if they are there at {@code nowNanos}; otherwise takes nothing.
   *
   * @param state the stored state, or {@code null} for a bucket never seen (a full one)
   * @param permits tokens to take, {@code 1 <= permits <= limit.capacity()}
   */
  public static Outcome tryAcquire(BucketState state, BucketLimit limit, long permits, long nowNanos) {
    if (permits < 1 || permits > limit.capacity()) {
      throw new IllegalArgumentException(
          "permits must be between 1 and the capacity " + limit.capacity() + ", got " + permits);
    }
    BucketState current = state == null
        ? BucketState.full(limit, nowNanos)
        : withLimit(state, limit, nowNanos);
    long neededMicros = permits * BucketLimit.MICROS_PER_TOKEN;
    if (current.tokensMicros() >= neededMicros) {
      BucketState after = new BucketState(limit, current.tokensMicros() - neededMicros,
          current.refillRemainder(), current.lastRefillNanos());
      return new Outcome(new Decision(true, after.tokens(), 0), after);
    }
    long retryAfterMillis = FixedPoint.millisToRefill(neededMicros - current.tokensMicros(),
        limit.refillMicrosPerSecond(), current.refillRemainder());
    return new Outcome(new Decision(false, current.tokens(), retryAfterMillis), current);
  }
}
