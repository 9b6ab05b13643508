package io.raftlimiter.entry;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One op as it travels in a log entry: the key's bytes, what to do ({@link OpKind}), the tokens it
 * concerns and the limit already resolved by the node that took the request (so replicas never
 * consult configuration in apply).
 */
public record AcquireOp(byte[] key, long permits, BucketLimit limit, OpKind kind) {
  /** Keys longer than this are rejected before they reach the log. */
  public static final int MAX_KEY_BYTES = 512;

  public AcquireOp {
    if (key == null || key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be 1 to " + MAX_KEY_BYTES + " bytes, got " + (key == null ? 0 : key.length));
    }
    if (limit == null || kind == null) {
      throw new IllegalArgumentException("limit and kind must not be null");
    }
    if (kind == OpKind.CHARGE) {
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

  /** An {@link OpKind#ACQUIRE}. */
  public AcquireOp(byte[] key, long permits, BucketLimit limit) {
    this(key, permits, limit, OpKind.ACQUIRE);
  }

  public static AcquireOp of(String key, long permits, BucketLimit limit) {
    return new AcquireOp(key.getBytes(StandardCharsets.UTF_8), permits, limit);
  }

  /** The same key and limit, another kind and amount. */
  public AcquireOp as(OpKind newKind, long tokens) {
    return new AcquireOp(key, tokens, limit, newKind);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AcquireOp other
        && Arrays.equals(key, other.key)
        && permits == other.permits
        && limit.equals(other.limit)
        && kind == other.kind;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * Arrays.hashCode(key) + Long.hashCode(permits)) + limit.hashCode())
        + kind.hashCode();
  }

  @Override
  public String toString() {
    return "AcquireOp{" + kind + " key=" + new String(key, StandardCharsets.UTF_8)
        + ", permits=" + permits + ", " + limit + "}";
  }
}
