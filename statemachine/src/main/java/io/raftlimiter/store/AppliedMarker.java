package io.raftlimiter.store;

/**
 * What the store has applied: the Raft term and index of the last entry, and the last stamp, the
 * floor for the time of every later entry.
 */
public record AppliedMarker(long term, long index, long stampNanos) {
  public static final AppliedMarker NONE = new AppliedMarker(0, -1, 0);
}
