package io.raftlimiter.entry;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One acquire as it travels in a log entry: the key's bytes, the permits and the limit already
 * resolved by the node that took the request (so replicas never consult configuration in apply).
 */
public record AcquireOp(byte[] key, long permits, BucketLimit limit) {
  /** Keys longer than this are rejected before they reach the log. */
  public static final int MAX_KEY_BYTES = 512;

  public AcquireOp {
    if (key == null || key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key must be 1 to " + MAX_KEY_BYTES + " bytes, got " + (key == null ? 0 : key.length));
    }
    if (limit == null) {
      throw new IllegalArgumentException("limit must not be null");
    }
    if (permits < 1 || permits > limit.capacity()) {
      throw new IllegalArgumentException(
          "permits must be between 1 and the capacity " + limit.capacity() + ", got " + permits);
    }
  }

  public static AcquireOp of(String key, long permits, BucketLimit limit) {
    return new AcquireOp(key.getBytes(StandardCharsets.UTF_8), permits, limit);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AcquireOp other
        && Arrays.equals(key, other.key)
        && permits == other.permits
        && limit.equals(other.limit);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(key) + Long.hashCode(permits)) + limit.hashCode();
  }

  @Override
  public String toString() {
    return "AcquireOp{key=" + new String(key, StandardCharsets.UTF_8)
        + ", permits=" + permits + ", " + limit + "}";
  }
}
