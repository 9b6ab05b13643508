package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.LeasedTokens;
import java.nio.ByteBuffer;

/**
 * The stored form of a bucket. Version 1, 37 bytes, a bucket with nothing out on lease:
 * {@code version:u8 tokensMicros:i64 refillRemainder:i32 lastRefillNanos:i64 capacity:i64
 * refillMicrosPerSecond:i64}. Version 2, 61 bytes, the same followed by what is out on lease:
 * {@code leaseTerm:i64 currentTermTokens:i64 previousTermTokens:i64}. A bucket without leases is
 * still written as version 1, so stores and snapshots written before leases were counted read
 * as they were, and most records keep their size.
 */
public final class BucketStateCodec {
  private static final byte VERSION = 1;
  private static final byte VERSION_WITH_LEASES = 2;
  static final int ENCODED_BYTES = 1 + 8 + 4 + 8 + 8 + 8;
  static final int ENCODED_BYTES_WITH_LEASES = ENCODED_BYTES + 8 + 8 + 8;

  private BucketStateCodec() {}

  public static byte[] encode(BucketState state) {
    boolean withLeases = state.leased().any();
    ByteBuffer buffer = ByteBuffer.allocate(withLeases ? ENCODED_BYTES_WITH_LEASES : ENCODED_BYTES)
        .put(withLeases ? VERSION_WITH_LEASES : VERSION)
        .putLong(state.tokensMicros())
        .putInt((int) state.refillRemainder())
        .putLong(state.lastRefillNanos())
        .putLong(state.limit().capacity())
        .putLong(state.limit().refillMicrosPerSecond());
    if (withLeases) {
      LeasedTokens leased = state.leased();
      buffer.putLong(leased.term()).putLong(leased.currentTokens())
          .putLong(leased.previousTokens());
    }
    return buffer.array();
  }

  public static BucketState decode(byte[] bytes) {
    boolean v1 = bytes.length == ENCODED_BYTES && bytes[0] == VERSION;
    boolean v2 = bytes.length == ENCODED_BYTES_WITH_LEASES && bytes[0] == VERSION_WITH_LEASES;
    if (!v1 && !v2) {
      throw new IllegalStateException("corrupt bucket record of " + bytes.length + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
    long tokensMicros = buffer.getLong();
    long remainder = buffer.getInt();
    long lastRefillNanos = buffer.getLong();
    BucketLimit limit = new BucketLimit(buffer.getLong(), buffer.getLong());
    LeasedTokens leased = v2
        ? new LeasedTokens(buffer.getLong(), buffer.getLong(), buffer.getLong())
        : LeasedTokens.NONE;
    return new BucketState(limit, tokensMicros, remainder, lastRefillNanos, leased);
  }
}
