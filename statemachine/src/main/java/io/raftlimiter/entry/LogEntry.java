package io.raftlimiter.entry;

import java.util.List;

/**
 * A log entry: a batch of acquires decided at one instant, {@code stampNanos}, which the leader
 * writes into the entry before it is replicated. Replicas take time from here and only from here.
 *
 * @param stampNanos nanoseconds since the epoch on the leader's clock; 0 until the leader stamps it
 */
public record LogEntry(long stampNanos, List<BucketOp> ops) {
  public LogEntry {
    ops = List.copyOf(ops);
  }

  public LogEntry withStamp(long newStampNanos) {
    return new LogEntry(newStampNanos, ops);
  }
}
