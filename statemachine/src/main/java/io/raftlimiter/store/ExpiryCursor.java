package io.raftlimiter.store;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How far expiry has gone through the expiry index, which is ordered by slot, then by key
 * (unsigned bytes): every index entry in a slot below {@code slot} is done, and in {@code slot}
 * itself every entry up to and including {@code lastKey} (none when it is {@code null}).
 *
 * <p>Expiry stops part-way through a slot when an entry's budget of visits runs out (a slot can
 * hold any number of keys), and the next entry resumes after {@code lastKey}. Part of the
 * replicated state, like the index itself. A value: {@code lastKey} is never modified.
 */
public record ExpiryCursor(long slot, byte[] lastKey) {
  public static final ExpiryCursor START = at(0);

  public ExpiryCursor {
    if (slot < 0) {
      throw new IllegalArgumentException("negative expiry slot " + slot);
    }
  }

  /** Nothing in {@code slot} done yet, everything below it done. */
  public static ExpiryCursor at(long slot) {
    return new ExpiryCursor(slot, null);
  }

  /** {@code slot:i64 [lastKey]}: the key, when there is one, runs to the end. */
  public byte[] encode() {
    int keyBytes = lastKey == null ? 0 : lastKey.length;
    ByteBuffer buffer = ByteBuffer.allocate(Long.BYTES + 1 + keyBytes).putLong(slot);
    buffer.put((byte) (lastKey == null ? 0 : 1));
    if (lastKey != null) {
      buffer.put(lastKey);
    }
    return buffer.array();
  }

  /**
   * The cursor {@link #encode} wrote; a bare slot of 8 bytes (as stores before the cursor wrote
   * it) is {@link #at} that slot.
   */
  public static ExpiryCursor decode(byte[] encoded) {
    if (encoded == null) {
      return START;
    }
    if (encoded.length < Long.BYTES) {
      throw new IllegalStateException("corrupt expiry cursor of " + encoded.length + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(encoded);
    long slot = buffer.getLong();
    if (!buffer.hasRemaining() || buffer.get() == 0) {
      return at(slot);
    }
    byte[] key = new byte[buffer.remaining()];
    buffer.get(key);
    return new ExpiryCursor(slot, key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpiryCursor other && slot == other.slot
        && Arrays.equals(lastKey, other.lastKey);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(slot) * 31 + Arrays.hashCode(lastKey);
  }

  @Override
  public String toString() {
    return lastKey == null ? "slot " + slot : "slot " + slot + " after " + lastKey.length + "-byte key";
  }
}
