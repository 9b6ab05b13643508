package io.raftlimiter.entry;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One op on a key's bucket as it travels in a log entry: a caller's acquire, or a node's lease
 * grant, charge of EVENTUAL hits or return of leased tokens ({@link OpKind}). It holds the key's
 * bytes, the tokens it concerns, the limit already resolved by the node that took the request
 * (so replicas never consult configuration in apply), and the op's id.
 *
 * <p>The id makes the op idempotent: the group remembers the outcome of an op with an id for the
 * entry's idempotency window, and answers a later op with the same key and id from it instead
 * of applying it again (a caller's retry, or a resend of a node's own op). An empty id opts out.
 */
public record BucketOp(byte[] key, long permits, BucketLimit limit, OpKind kind, byte[] id) {
  /** Keys longer than this are rejected before they reach the log. */
  public static final int MAX_KEY_BYTES = 512;
  /** Ids longer than this are rejected before they reach the log. */
  public static final int MAX_ID_BYTES = 64;
  private static final byte[] NO_ID = new byte[0];

  public BucketOp {
    if (key == null || key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be 1 to " + MAX_KEY_BYTES + " bytes, got " + (key == null ? 0 : key.length));
    }
    if (limit == null || kind == null) {
      throw new IllegalArgumentException("limit and kind must not be null");
    }
    if (id == null) {
      id = NO_ID;
    }
    if (id.length > MAX_ID_BYTES) {
      throw new IllegalArgumentException(
          "an op id takes at most " + MAX_ID_BYTES + " bytes, got " + id.length);
    }
    if (kind == OpKind.RESET || kind == OpKind.PEEK) {
      if (permits != 0) {
        throw new IllegalArgumentException("a " + kind + " takes no permits, got " + permits);
      }
    } else if (kind == OpKind.CHARGE) {
      // aggregated hits: may exceed the capacity, may be 0 (a read)
      if (permits < 0 || permits > BucketLimit.MAX_CAPACITY) {
        throw new IllegalArgumentException("a charge must be between 0 and "
            + BucketLimit.MAX_CAPACITY + " tokens, got " + permits);
      }
    } else if (permits < 1 || permits > limit.capacity()) {
      throw new IllegalArgumentException(
          "permits must be between 1 and the capacity " + limit.capacity() + ", got " + permits);
    }
  }

  /** An op without an id. */
  public BucketOp(byte[] key, long permits, BucketLimit limit, OpKind kind) {
    this(key, permits, limit, kind, NO_ID);
  }

  /** An {@link OpKind#ACQUIRE} without an id. */
  public BucketOp(byte[] key, long permits, BucketLimit limit) {
    this(key, permits, limit, OpKind.ACQUIRE);
  }

  public static BucketOp of(String key, long permits, BucketLimit limit) {
    return new BucketOp(key.getBytes(StandardCharsets.UTF_8), permits, limit);
  }

  /** The same key and limit, another kind and amount: another op, so without an id. */
  public BucketOp as(OpKind newKind, long tokens) {
    return new BucketOp(key, tokens, limit, newKind);
  }

  /** The same op under {@code newId}. */
  public BucketOp withId(byte[] newId) {
    return new BucketOp(key, permits, limit, kind, newId);
  }

  public boolean hasId() {
    return id.length > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BucketOp other
        && Arrays.equals(key, other.key)
        && permits == other.permits
        && limit.equals(other.limit)
        && kind == other.kind
        && Arrays.equals(id, other.id);
  }

  @Override
  public int hashCode() {
    int hash = 31 * (31 * (31 * Arrays.hashCode(key) + Long.hashCode(permits)) + limit.hashCode())
        + kind.hashCode();
    return 31 * hash + Arrays.hashCode(id);
  }

  @Override
  public String toString() {
    return "BucketOp{" + kind + " key=" + new String(key, StandardCharsets.UTF_8)
        + ", permits=" + permits + ", " + limit
        + (hasId() ? ", id=" + new String(id, StandardCharsets.UTF_8) : "") + "}";
  }
}
