package io.raftlimiter.client;

import io.grpc.Status;

/**
 * When a failed attempt is tried again, and after how long. Pure: the randomness comes in as a
 * number in [0, 1).
 *
 * <ul>
 *   <li>{@code UNAVAILABLE} (a node down, a group without a leader): the first retry goes at once
 *       to another node, which is what fails a call over; later ones wait a jittered exponential
 *       backoff ("full jitter": uniformly up to {@code base · 2^n}, capped), so that many clients
 *       retrying together do not arrive together.
 *   <li>{@code RESOURCE_EXHAUSTED} (the node shed the call, taking nothing): after the wait the
 *       node asked for ({@code retry-after-millis}), plus up to half as much again at random.
 *   <li>anything else is final.
 * </ul>
 */
final class RetryPolicy {
  /** The first backoff's upper bound, and the cap of every backoff. */
  static final long BASE_MILLIS = 25;
  static final long CAP_MILLIS = 1_000;
  /** Waited after a shed when the node named no time. */
  static final long SHED_DEFAULT_MILLIS = 20;

  /** No retry. */
  static final long NEVER = -1;

  private RetryPolicy() {}

  /**
   * The milliseconds to wait before {@code attempt} (2 for the first retry) after the previous
   * one failed with {@code code}, or {@link #NEVER}.
   *
   * @param retryAfterMillis the wait a shedding node asked for, or a negative number for none
   * @param random uniform in [0, 1)
   */
  static long delayBefore(int attempt, Status.Code code, long retryAfterMillis, double random) {
    switch (code) {
      case UNAVAILABLE -> {
        if (attempt <= 2) {
          return 0;
        }
        long bound = Math.min(CAP_MILLIS, BASE_MILLIS << Math.min(20, attempt - 3));
        return (long) (random * bound);
      }
      case RESOURCE_EXHAUSTED -> {
        long asked = retryAfterMillis >= 0 ? retryAfterMillis : SHED_DEFAULT_MILLIS;
        return asked + (long) (random * (asked / 2.0));
      }
      default -> {
        return NEVER;
      }
    }
  }

  /** Whether a retry moves to another node: after {@code UNAVAILABLE}, the node may be down. */
  static boolean movesOn(Status.Code code) {
    return code == Status.Code.UNAVAILABLE;
  }
}
