package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import java.security.SecureRandom;

/**
 * Decisions by 128-bit digest, oldest first, at most {@code maxRecords} of them, held in flat
 * arrays: a ring of records in the order they were added, and an open-addressing index over it.
 *
 * <p>Why not a {@code LinkedHashMap}: every op with an id adds a record that lives for seconds
 * (until its window ends or the table is full), long enough to be copied by several young
 * collections and then promoted, only to die in the old generation. At thousands of such ops a
 * second that object churn (four objects a record) was the biggest source of garbage-collection
 * work on a node and led to full collections of hundreds of milliseconds. Here a record is a
 * slot in arrays that live as long as the table: 49 bytes in the ring and two index slots.
 *
 * <p>The arrays grow by doubling up to {@code maxRecords} and shrink when three quarters of them
 * are unused, so the heap taken follows the records held. The index places a record by its
 * digest mixed with a seed drawn per table, so callers who choose their ops' ids cannot crowd
 * the records they make into one stretch of the index; the seed decides only where a record
 * sits in the index, never which records are held or what they say, which depend on the order
 * of adds and removals alone (replicas stay identical).
 */
final class OutcomeRing {
  private static final int INITIAL_CAPACITY = 1024;

  private final int maxRecords;
  private final long seed = new SecureRandom().nextLong();
  private long[] highs;
  private long[] lows;
  private long[] expires;
  private long[] remainings;
  private long[] retryAfters;
  private long[] granteds;
  private byte[] alloweds;
  /** Ring position of the oldest record. */
  private int head;
  private int size;
  /** Ring position + 1 of the record whose digest probes here first or later; 0 is empty. */
  private int[] index;

  OutcomeRing(int maxRecords) {
    if (maxRecords < 1) {
      throw new IllegalArgumentException("maxRecords must be at least 1: " + maxRecords);
    }
    this.maxRecords = maxRecords;
    allocate(Math.min(INITIAL_CAPACITY, maxRecords));
  }

  int size() {
    return size;
  }

  boolean isFull() {
    return size == maxRecords;
  }

  /** The ring position of the record with this digest, or -1. */
  int find(long high, long low) {
    int mask = index.length - 1;
    for (int slot = home(high, low); ; slot = (slot + 1) & mask) {
      int entry = index[slot];
      if (entry == 0) {
        return -1;
      }
      int position = entry - 1;
      if (highs[position] == high && lows[position] == low) {
        return position;
      }
    }
  }

  /** Adds a record for a digest not held; the table must not be full. */
  void add(long high, long low, long expiresNanos, Decision decision) {
    if (size == maxRecords) {
      throw new IllegalStateException("the table is full");
    }
    if (size == highs.length) {
      resize(Math.min(maxRecords, highs.length * 2));
    }
    int position = ringPosition(size);
    highs[position] = high;
    lows[position] = low;
    expires[position] = expiresNanos;
    remainings[position] = decision.remaining();
    retryAfters[position] = decision.retryAfterMillis();
    granteds[position] = decision.granted();
    alloweds[position] = (byte) (decision.allowed() ? 1 : 0);
    size++;
    insert(position);
  }

  /** When the oldest record's window ends; the table must not be empty. */
  long oldestExpires() {
    return expires[head];
  }

  /** Removes the oldest record; the table must not be empty. */
  void removeOldest() {
    unindex(head);
    head = ringPosition(1);
    size--;
    if (size == 0) {
      head = 0;
    }
    if (highs.length > INITIAL_CAPACITY && size <= highs.length / 4) {
      resize(Math.max(INITIAL_CAPACITY, highs.length / 2));
    }
  }

  /** The decision held at {@code position}, marked as replayed when {@code replayed}. */
  Decision decision(int position, boolean replayed) {
    return new Decision(alloweds[position] == 1, remainings[position], retryAfters[position],
        granteds[position], replayed);
  }

  /** Visits the records, oldest first. */
  void forEach(RecordVisitor visitor) {
    for (int i = 0; i < size; i++) {
      int p = ringPosition(i);
      visitor.visit(highs[p], lows[p], expires[p], alloweds[p] == 1, remainings[p],
          retryAfters[p], granteds[p]);
    }
  }

  interface RecordVisitor {
    void visit(long high, long low, long expiresNanos, boolean allowed, long remaining,
        long retryAfterMillis, long granted);
  }

  private int ringPosition(int fromOldest) {
    int p = head + fromOldest;
    return p >= highs.length ? p - highs.length : p;
  }

  private int home(long high, long low) {
    long h = (high ^ seed) * 0x9E3779B97F4A7C15L;
    h = (h ^ low) * 0xC2B2AE3D27D4EB4FL;
    return (int) (h >>> 32) & (index.length - 1);
  }

  private void insert(int position) {
    int mask = index.length - 1;
    int slot = home(highs[position], lows[position]);
    while (index[slot] != 0) {
      slot = (slot + 1) & mask;
    }
    index[slot] = position + 1;
  }

  /** Takes {@code position} out of the index, moving back the records probed past it. */
  private void unindex(int position) {
    int mask = index.length - 1;
    int hole = home(highs[position], lows[position]);
    while (index[hole] != position + 1) {
      hole = (hole + 1) & mask;
    }
    for (int slot = (hole + 1) & mask; index[slot] != 0; slot = (slot + 1) & mask) {
      int moved = index[slot] - 1;
      int wanted = home(highs[moved], lows[moved]);
      // The record at slot may fill the hole unless its home lies cyclically in (hole, slot].
      boolean homeBetween = hole <= slot
          ? wanted > hole && wanted <= slot
          : wanted > hole || wanted <= slot;
      if (!homeBetween) {
        index[hole] = index[slot];
        hole = slot;
      }
    }
    index[hole] = 0;
  }

  private void allocate(int capacity) {
    highs = new long[capacity];
    lows = new long[capacity];
    expires = new long[capacity];
    remainings = new long[capacity];
    retryAfters = new long[capacity];
    granteds = new long[capacity];
    alloweds = new byte[capacity];
    // At most half full, so probes stay short.
    index = new int[Integer.highestOneBit(Math.max(1, capacity - 1)) << 2];
  }

  /** Moves the records, oldest first, into arrays of {@code capacity} and indexes them anew. */
  private void resize(int capacity) {
    long[] oldHighs = highs;
    long[] oldLows = lows;
    long[] oldExpires = expires;
    long[] oldRemainings = remainings;
    long[] oldRetryAfters = retryAfters;
    long[] oldGranteds = granteds;
    byte[] oldAlloweds = alloweds;
    int oldHead = head;
    allocate(capacity);
    for (int i = 0; i < size; i++) {
      int from = oldHead + i < oldHighs.length ? oldHead + i : oldHead + i - oldHighs.length;
      highs[i] = oldHighs[from];
      lows[i] = oldLows[from];
      expires[i] = oldExpires[from];
      remainings[i] = oldRemainings[from];
      retryAfters[i] = oldRetryAfters[from];
      granteds[i] = oldGranteds[from];
      alloweds[i] = oldAlloweds[from];
      insert(i);
    }
    head = 0;
  }
}
