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

  /**
   * The state at {@code nowNanos}: tokens added for the time elapsed, up to the capacity less the
   * tokens out on lease. The lease terms that ended in between raise that ceiling step by step,
   * so the refill runs term end by term end.
   */
  public static BucketState refill(BucketState state, long nowNanos) {
    if (nowNanos <= state.lastRefillNanos()) {
      return state;
    }
    BucketState current = state;
    long termNanos = LeaseTerm.termNanos(state.limit());
    while (current.leased().any() && current.leased().nextDropNanos(termNanos) <= nowNanos) {
      long dropNanos = current.leased().nextDropNanos(termNanos);
      current = refillUnder(current, dropNanos).withLeased(current.leased().afterTerm());
    }
    return refillUnder(current, nowNanos);
  }

  private static BucketState refillUnder(BucketState state, long nowNanos) {
    long elapsedNanos = nowNanos - state.lastRefillNanos();
    if (nowNanos <= state.lastRefillNanos() || elapsedNanos <= 0) {
      return state;
    }
    long ceilingMicros = state.limit().capacityMicros() - state.leased().totalMicros();
    if (state.tokensMicros() >= ceilingMicros) {
      return new BucketState(state.limit(), state.tokensMicros(), 0, nowNanos, state.leased());
    }
    long rate = state.limit().refillMicrosPerSecond();
    long added = FixedPoint.mulAddDivByBillion(elapsedNanos, rate, state.refillRemainder());
    if (added >= ceilingMicros - state.tokensMicros()) {
      return new BucketState(state.limit(), ceilingMicros, 0, nowNanos, state.leased());
    }
    long remainder = FixedPoint.mulAddModBillion(elapsedNanos, rate, state.refillRemainder());
    return new BucketState(state.limit(), state.tokensMicros() + added, remainder, nowNanos,
        state.leased());
  }

  /**
   * A time at which {@code state}, left alone, is full again: never earlier than the exact
   * instant (rounded up to the millisecond), {@code Long.MAX_VALUE} when that is beyond 64 bits.
   */
  public static long fullAtNanos(BucketState state) {
    long fromNanos = state.lastRefillNanos();
    long remainder = state.refillRemainder();
    if (state.leased().any()) {
      // an upper bound: refill never takes tokens away, so from the moment the last lease
      // counted drops out, the deficit is at most today's
      fromNanos = Math.max(fromNanos,
          state.leased().allDroppedNanos(LeaseTerm.termNanos(state.limit())));
      remainder = 0;
    }
    long deficitMicros = state.limit().capacityMicros() - state.tokensMicros();
    if (deficitMicros <= 0) {
      return fromNanos;
    }
    long millis = FixedPoint.millisToRefill(deficitMicros, state.limit().refillMicrosPerSecond(),
        remainder);
    if (millis >= (Long.MAX_VALUE - Math.max(0, fromNanos)) / 1_000_000L) {
      return Long.MAX_VALUE;
    }
    return fromNanos + millis * 1_000_000L;
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
    long ceilingMicros = Math.max(0, limit.capacityMicros() - refilled.leased().totalMicros());
    if (refilled.tokensMicros() >= ceilingMicros) {
      // clipped: the carried fraction would sit above the new ceiling
      return new BucketState(limit, ceilingMicros, 0, refilled.lastRefillNanos(),
          refilled.leased());
    }
    return new BucketState(limit, refilled.tokensMicros(), refilled.refillRemainder(),
        refilled.lastRefillNanos(), refilled.leased());
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
    BucketState current = current(state, limit, nowNanos);
    long neededMicros = permits * BucketLimit.MICROS_PER_TOKEN;
    if (current.tokensMicros() >= neededMicros) {
      BucketState after = withTokens(current, current.tokensMicros() - neededMicros);
      return new Outcome(new Decision(true, after.tokens(), 0), after);
    }
    return new Outcome(refusal(current, neededMicros), current);
  }

  /**
   * Takes as many whole tokens as are there at {@code nowNanos}, up to {@code maxTokens}: a
   * lease's share. Grants nothing when not even one whole token is there. When the grant leaves
   * less than a token, the decision's {@code retryAfterMillis} says when the next one comes.
   */
  public static Outcome lease(BucketState state, BucketLimit limit, long maxTokens, long nowNanos) {
    if (maxTokens < 1 || maxTokens > limit.capacity()) {
      throw new IllegalArgumentException(
          "a lease must be between 1 and the capacity " + limit.capacity() + ", got " + maxTokens);
    }
    BucketState current = current(state, limit, nowNanos);
    long granted = Math.min(Math.max(0, current.tokens()), maxTokens);
    if (granted == 0) {
      return new Outcome(refusal(current, BucketLimit.MICROS_PER_TOKEN), current);
    }
    long term = LeaseTerm.termOf(nowNanos, LeaseTerm.termNanos(limit));
    BucketState after = withTokens(current,
        current.tokensMicros() - granted * BucketLimit.MICROS_PER_TOKEN)
        .withLeased(current.leased().plus(term, granted));
    // emptied: say when the next whole token comes, so the holder need not ask before then
    long nextTokenMillis = after.tokensMicros() >= BucketLimit.MICROS_PER_TOKEN ? 0
        : refusal(after, BucketLimit.MICROS_PER_TOKEN).retryAfterMillis();
    return new Outcome(new Decision(true, after.tokens(), nextTokenMillis, granted), after);
  }

  /**
   * Takes {@code tokens} whether or not they are there (hits already admitted elsewhere), leaving
   * the bucket in debt if need be. The decision reports the signed remainder, so the node that
   * charged learns the bucket's state.
   */
  public static Outcome charge(BucketState state, BucketLimit limit, long tokens, long nowNanos) {
    if (tokens < 0 || tokens > BucketLimit.MAX_CAPACITY) {
      throw new IllegalArgumentException("a charge must be between 0 and "
          + BucketLimit.MAX_CAPACITY + " tokens, got " + tokens);
    }
    BucketState current = current(state, limit, nowNanos);
    long after = Math.max(BucketState.MIN_TOKENS_MICROS,
        current.tokensMicros() - tokens * BucketLimit.MICROS_PER_TOKEN);
    BucketState charged = withTokens(current, after);
    long retryAfterMillis = charged.tokensMicros() >= BucketLimit.MICROS_PER_TOKEN ? 0
        : refusal(charged, BucketLimit.MICROS_PER_TOKEN).retryAfterMillis();
    return new Outcome(new Decision(true, charged.tokens(), retryAfterMillis), charged);
  }

  /**
   * Puts back {@code tokens} a lease did not use, up to the capacity less what is out on lease.
   * Nodes no longer send it (their tokens come back when the lease term ends, and a return
   * applied after that would count them twice); it is kept for logs written before lease terms.
   */
  public static Outcome giveBack(BucketState state, BucketLimit limit, long tokens, long nowNanos) {
    if (tokens < 1 || tokens > limit.capacity()) {
      throw new IllegalArgumentException(
          "a return must be between 1 and the capacity " + limit.capacity() + ", got " + tokens);
    }
    BucketState current = current(state, limit, nowNanos);
    long ceilingMicros = limit.capacityMicros() - current.leased().totalMicros();
    long added = tokens * BucketLimit.MICROS_PER_TOKEN;
    BucketState after = withTokens(current, Math.max(current.tokensMicros(),
        Math.min(ceilingMicros, current.tokensMicros() + added)));
    return new Outcome(new Decision(true, Math.max(0, after.tokens()), 0), after);
  }

  /**
   * The bucket as it stands at {@code nowNanos}, under the limit it was last used with, for an
   * operator's look ({@code rlctl bucket get}): nothing is taken and nothing is stored. The
   * decision's {@code remaining} is signed (a bucket in debt from EVENTUAL hits is below zero)
   * and {@code retryAfterMillis} says when a whole token will be there, 0 if one is.
   *
   * @param state the stored state, or {@code null} for a bucket never seen (full under
   *     {@code limit})
   */
  public static Decision peek(BucketState state, BucketLimit limit, long nowNanos) {
    BucketState current = state == null ? BucketState.full(limit, nowNanos)
        : refill(state, nowNanos);
    long retryAfterMillis = current.tokensMicros() >= BucketLimit.MICROS_PER_TOKEN ? 0
        : refusal(current, BucketLimit.MICROS_PER_TOKEN).retryAfterMillis();
    return new Decision(true, current.tokens(), retryAfterMillis);
  }

  /**
   * An operator's reset: the bucket holds its capacity again, less the tokens still out on
   * lease (those are spent or come back when their term ends, so counting them again would let
   * LEASED admit past the bucket); any debt is forgiven. Repeating it changes nothing more.
   */
  public static Outcome reset(BucketState state, BucketLimit limit, long nowNanos) {
    BucketState current = current(state, limit, nowNanos);
    BucketState after = new BucketState(current.limit(),
        current.limit().capacityMicros() - current.leased().totalMicros(), 0, nowNanos,
        current.leased());
    return new Outcome(new Decision(true, Math.max(0, after.tokens()), 0), after);
  }

  private static BucketState current(BucketState state, BucketLimit limit, long nowNanos) {
    return state == null ? BucketState.full(limit, nowNanos) : withLimit(state, limit, nowNanos);
  }

  private static BucketState withTokens(BucketState state, long tokensMicros) {
    return new BucketState(state.limit(), tokensMicros, state.refillRemainder(),
        state.lastRefillNanos(), state.leased());
  }

  private static Decision refusal(BucketState current, long neededMicros) {
    long retryAfterMillis = FixedPoint.millisToRefill(neededMicros - current.tokensMicros(),
        current.limit().refillMicrosPerSecond(), current.refillRemainder());
    return new Decision(false, Math.max(0, current.tokens()), retryAfterMillis);
  }
}
