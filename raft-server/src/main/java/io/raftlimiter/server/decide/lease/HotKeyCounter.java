package io.raftlimiter.server.decide.lease;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Counts requests per key over the last one or two windows in fixed memory: a count-min sketch
 * (a count per key hash in each of {@link #ROWS} rows; the estimate is the smallest), kept for
 * the current and the previous window. Collisions only overestimate, so a cold key may be taken
 * for a hot one (it gets a lease it does not need), never the reverse.
 */
final class HotKeyCounter {
  static final int ROWS = 2;
  private final int mask;
  private volatile AtomicIntegerArray current;
  private volatile AtomicIntegerArray previous;

  /** {@code width} counters per row, rounded up to a power of two. */
  HotKeyCounter(int width) {
    int size = Integer.highestOneBit(Math.max(2, width - 1)) << 1;
    this.mask = size - 1;
    this.current = new AtomicIntegerArray(ROWS * size);
    this.previous = new AtomicIntegerArray(ROWS * size);
  }

  /** Counts one request for the key hashed to {@code hash}; returns its estimated count. */
  int record(long hash) {
    AtomicIntegerArray now = current;
    AtomicIntegerArray before = previous;
    int estimate = Integer.MAX_VALUE;
    for (int row = 0; row < ROWS; row++) {
      int slot = slot(hash, row);
      int count = Math.max(now.incrementAndGet(slot), before.get(slot));
      estimate = Math.min(estimate, count);
    }
    return estimate;
  }

  /** Starts a new window; the one that ends stays as the previous. */
  void rotate() {
    AtomicIntegerArray fresh = new AtomicIntegerArray(previous.length());
    previous = current;
    current = fresh;
  }

  private int slot(long hash, int row) {
    // two independent-enough indexes from the halves of a well-mixed 64-bit hash
    int half = row == 0 ? (int) hash : (int) (hash >>> 32);
    return row * (mask + 1) + (half & mask);
  }
}
