package io.raftlimiter.store;

import java.util.Arrays;

/**
 * A bucket's key as the apply path's hash tables hold it: the bytes, and their hash computed once.
 * A {@code ByteBuffer} over the bytes, which the tables held before, hashes every byte again on
 * every lookup, and an op's key is looked up four or five times in one apply (the entry's write
 * set, the pending table, the expiry index, and again when it expires).
 *
 * <p>The bytes are not copied: whoever makes a key hands over an array that nobody changes
 * afterwards (an op's key as decoded from the log, or a copy made for the purpose).
 */
public final class BucketKey {
  private final byte[] bytes;
  private final int hash;

  private BucketKey(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The key over {@code bytes}, which the caller no longer changes. */
  public static BucketKey of(byte[] bytes) {
    return new BucketKey(bytes);
  }

  /** The key's bytes: the array itself, not to be changed. */
  public byte[] bytes() {
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BucketKey other && hash == other.hash && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "BucketKey" + Arrays.toString(bytes);
  }
}
