package io.raftlimiter.client;

import java.util.function.LongSupplier;

/**
 * Bounds a client's retries, so that a cluster in trouble is not met with a storm of them: each
 * call adds {@code ratio} of a retry to the budget, a steady {@code minPerSecond} trickles in on
 * its own (so a quiet client may still retry), and each retry beyond a call's free one (the move
 * to another node after {@code UNAVAILABLE}) spends a whole one. The budget holds at most ten
 * seconds of trickle (at least one retry; none with a ratio and trickle of 0), so a long busy or
 * quiet spell cannot save up a storm.
 * Thread-safe; time comes from {@code nanoTime}.
 */
final class RetryBudget {
  private final double ratio;
  private final double minPerSecond;
  private final LongSupplier nanoTime;
  private final double cap;
  private double tokens;
  private long lastNanos;

  /**
   * @param ratio retries a call earns: 0.2 lets retries reach a fifth of the calls
   * @param minPerSecond retries allowed per second whatever the calls
   */
  RetryBudget(double ratio, double minPerSecond, LongSupplier nanoTime) {
    if (!(ratio >= 0) || !(minPerSecond >= 0)) {
      throw new IllegalArgumentException("a retry budget needs ratio >= 0 and minPerSecond >= 0, "
          + "got " + ratio + " and " + minPerSecond);
    }
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
    this.nanoTime = nanoTime;
    this.cap = ratio == 0 && minPerSecond == 0 ? 0 : Math.max(1, 10 * minPerSecond);
    this.tokens = cap;
    this.lastNanos = nanoTime.getAsLong();
  }

  /** A call was made: it earns {@code ratio} of a retry. */
  synchronized void called() {
    trickle();
    tokens = Math.min(cap, tokens + ratio);
  }

  /** Takes one retry from the budget; false, taking nothing, when it holds less than one. */
  synchronized boolean tryRetry() {
    trickle();
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  private void trickle() {
    long now = nanoTime.getAsLong();
    double seconds = Math.max(0, now - lastNanos) / 1e9;
    lastNanos = now;
    tokens = Math.min(cap, tokens + seconds * minPerSecond);
  }
}
