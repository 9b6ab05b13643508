package io.raftlimiter.entry;

import java.util.Arrays;
import java.util.List;

/**
 * A log entry: a batch of ops decided at one instant, {@code stampNanos}, which the leader writes
 * into the entry before it is replicated. Replicas take time from here and only from here.
 *
 * <p>Most entries hold independent ops, each answered on its own (and remembered under its own
 * id, if it has one). A <em>charge batch</em> ({@link #isChargeBatch}) holds one node's EVENTUAL
 * charges for one group, one per key, under one id: its charges are applied together, and an
 * entry with the same id and charges applied within the idempotency window is answered from the
 * buckets as they are and changes nothing. One id for the whole sync, where an id per charge made
 * a remembered outcome (a digest, a record) per key charged.
 *
 * @param stampNanos nanoseconds since the epoch on the leader's clock; 0 until the leader stamps it
 * @param batchId empty for independent ops; the id of a charge batch otherwise, whose ops are
 *     then all {@link OpKind#CHARGE}s without ids of their own
 */
public record LogEntry(long stampNanos, List<BucketOp> ops, byte[] batchId) {
  private static final byte[] NO_BATCH = new byte[0];

  public LogEntry {
    ops = List.copyOf(ops);
    batchId = batchId == null ? NO_BATCH : batchId.clone();
    if (batchId.length > BucketOp.MAX_ID_BYTES) {
      throw new IllegalArgumentException("a batch id takes at most " + BucketOp.MAX_ID_BYTES
          + " bytes, got " + batchId.length);
    }
    if (batchId.length > 0) {
      for (BucketOp op : ops) {
        if (op.kind() != OpKind.CHARGE || op.hasId()) {
          throw new IllegalArgumentException(
              "a charge batch holds charges without ids of their own, not " + op);
        }
      }
    }
  }

  /** An entry of independent ops. */
  public LogEntry(long stampNanos, List<BucketOp> ops) {
    this(stampNanos, ops, NO_BATCH);
  }

  /** A charge batch of {@code charges} under {@code id}, unstamped. */
  public static LogEntry chargeBatch(byte[] id, List<BucketOp> charges) {
    if (id == null || id.length == 0) {
      throw new IllegalArgumentException("a charge batch needs an id");
    }
    return new LogEntry(0, charges, id);
  }

  public boolean isChargeBatch() {
    return batchId.length > 0;
  }

  @Override
  public byte[] batchId() {
    return batchId.clone();
  }

  public LogEntry withStamp(long newStampNanos) {
    return new LogEntry(newStampNanos, ops, batchId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogEntry other && stampNanos == other.stampNanos
        && ops.equals(other.ops) && Arrays.equals(batchId, other.batchId);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Long.hashCode(stampNanos) + ops.hashCode()) + Arrays.hashCode(batchId);
  }

  @Override
  public String toString() {
    return "LogEntry{stamp=" + stampNanos + (isChargeBatch() ? ", charge batch" : "")
        + ", " + ops.size() + " ops}";
  }
}
