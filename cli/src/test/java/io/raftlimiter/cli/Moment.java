package io.raftlimiter.cli;

import java.time.Instant;

/**
 * A moment on both clocks, for the tests' admission ledgers. The nodes stamp their entries with
 * the wall clock (held within a second of their monotonic clock, {@code LeaderClock}), so time
 * as the buckets count it is the wall clock's: when a virtual machine's wall clock is stepped
 * forward (as after a pause) the buckets see that time pass and the monotonic clock does not. A
 * key over its bound on both clocks was over-admitted whichever one was right.
 */
record Moment(long monotonicNanos, long wallNanos) {
  static Moment now() {
    Instant wall = Instant.now();
    return new Moment(System.nanoTime(), wall.getEpochSecond() * 1_000_000_000L + wall.getNano());
  }

  /** This moment on the wall clock. */
  Instant wall() {
    return Instant.ofEpochSecond(0, wallNanos);
  }

  /** Seconds from {@code earlier} to this moment on the clock that counted more of them. */
  double secondsSince(Moment earlier) {
    return Math.max(monotonicNanos - earlier.monotonicNanos, wallNanos - earlier.wallNanos)
        / 1e9;
  }

  /** How far the wall clock ran ahead of the monotonic clock since {@code earlier}, in ms. */
  double wallGainMillis(Moment earlier) {
    return ((wallNanos - earlier.wallNanos) - (monotonicNanos - earlier.monotonicNanos)) / 1e6;
  }
}
