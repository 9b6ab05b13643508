package io.raftlimiter.store;

/**
 * Time, cut into slots of about 134 ms, by which stored buckets are indexed for expiry: a bucket
 * written with a state that is full again at time {@code t} is indexed under {@code slotOf(t)},
 * and an entry applied at time {@code now} expires the slots below {@code slotOf(now)}, all of
 * whose instants are past. Pure arithmetic.
 */
public final class ExpirySlots {
  /** 2^27 ns ≈ 134 ms: a full bucket outlives its refill by at most this (plus an entry's gap). */
  public static final int SLOT_BITS = 27;

  private ExpirySlots() {}

  /** The slot holding {@code nanos}; times before the epoch fall in slot 0. */
  public static long slotOf(long nanos) {
    return Math.max(0, nanos) >>> SLOT_BITS;
  }
}
