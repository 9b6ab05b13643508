package io.raftlimiter.statemachine;

/**
 * The time a leader stamps on a new entry: its wall clock, held within {@code allowance} of the
 * time its monotonic clock has counted since the last entry applied before it took office, and
 * never below a stamp issued or applied before.
 *
 * <p>Why the bound: the highest stamp applied is kept (time never runs backwards in apply), so one
 * leader whose wall clock jumped ahead by Δ would refill every bucket it touches early and then
 * freeze refill for Δ under every later leader; a leader whose clock is slow would freeze it
 * while it leads. With the bound, a wrong wall clock moves stamps by at most {@code allowance}
 * per term, and between elections time advances as the leader's monotonic clock does. The anchor
 * is the last applied entry and the moment this node applied it, not the moment of taking
 * office, so that a cluster idle for an hour still sees that hour pass; only a leader with no
 * entry applied anchors to its own wall clock as it takes office.
 *
 * <p>Pure: both clocks are read by the caller and handed in. Thread-safe.
 */
public final class LeaderClock {
  private final long allowanceNanos;
  private boolean anchored;
  private long anchorStampNanos;
  private long anchorMonotonicNanos;
  private long lastIssuedNanos = Long.MIN_VALUE;
  private long clampedStamps;
  private long lastSkewNanos;

  public LeaderClock(long allowanceNanos) {
    if (allowanceNanos < 0) {
      throw new IllegalArgumentException("the skew allowance must be >= 0: " + allowanceNanos);
    }
    this.allowanceNanos = allowanceNanos;
  }

  /**
   * This node took office: from now on its stamps follow its monotonic clock from the last
   * applied entry, stamped {@code lastAppliedStampNanos} and applied here at
   * {@code appliedAtMonotonicNanos}.
   */
  public synchronized void takeOffice(long lastAppliedStampNanos, long appliedAtMonotonicNanos) {
    anchored = true;
    anchorStampNanos = lastAppliedStampNanos;
    anchorMonotonicNanos = appliedAtMonotonicNanos;
  }

  /**
   * The stamp for an entry proposed now: {@code wallNanos} within the allowance of the anchor's
   * time plus the monotonic time since, and at least {@code floorNanos} (the last applied stamp)
   * and the last stamp issued. Before {@link #takeOffice} the wall clock is used as it is.
   */
  public synchronized long next(long wallNanos, long monotonicNanos, long floorNanos) {
    long stamp = wallNanos;
    if (anchored) {
      long expected = anchorStampNanos + (monotonicNanos - anchorMonotonicNanos);
      lastSkewNanos = wallNanos - expected;
      if (wallNanos > expected + allowanceNanos) {
        stamp = expected + allowanceNanos;
        clampedStamps++;
      } else if (wallNanos < expected - allowanceNanos) {
        stamp = expected - allowanceNanos;
        clampedStamps++;
      }
    }
    stamp = Math.max(stamp, Math.max(floorNanos, lastIssuedNanos));
    lastIssuedNanos = stamp;
    return stamp;
  }

  /** How far the wall clock was from the expected time at the last stamp (+ ahead, − behind). */
  public synchronized long lastSkewNanos() {
    return lastSkewNanos;
  }

  /** Stamps that were moved because the wall clock was beyond the allowance. */
  public synchronized long clampedStamps() {
    return clampedStamps;
  }
}
