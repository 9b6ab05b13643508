package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import java.nio.ByteBuffer;

/**
 * The stored form of a bucket, 37 bytes:
 * {@code version:u8 tokensMicros:i64 refillRemainder:i32 lastRefillNanos:i64 capacity:i64
 * refillMicrosPerSecond:i64}.
 */
public final class BucketStateCodec {
  private static final byte VERSION = 1;
  static final int ENCODED_BYTES = 1 + 8 + 4 + 8 + 8 + 8;

  private BucketStateCodec() {}

  public static byte[] encode(BucketState state) {
    return ByteBuffer.allocate(ENCODED_BYTES)
        .put(VERSION)
        .putLong(state.tokensMicros())
        .putInt((int) state.refillRemainder())
        .putLong(state.lastRefillNanos())
        .putLong(state.limit().capacity())
        .putLong(state.limit().refillMicrosPerSecond())
        .array();
  }

  public static BucketState decode(byte[] bytes) {
    if (bytes.length != ENCODED_BYTES || bytes[0] != VERSION) {
      throw new IllegalStateException("corrupt bucket record of " + bytes.length + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, ENCODED_BYTES - 1);
    long tokensMicros = buffer.getLong();
    long remainder = buffer.getInt();
    long lastRefillNanos = buffer.getLong();
    BucketLimit limit = new BucketLimit(buffer.getLong(), buffer.getLong());
    return new BucketState(limit, tokensMicros, remainder, lastRefillNanos);
  }
}
