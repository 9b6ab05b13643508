package io.raftlimiter.testing;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Random values for the seeded property loops. Uniform longs almost never hit the interesting
 * places (0, 1, the maximum, a power of two), so {@link #spread} picks a random bit length first.
 */
public final class RandomValues {
  private RandomValues() {}

  /** A value in {@code [0, maxInclusive]}, spread over all magnitudes, edges included. */
  public static long spread(SplittableRandom rnd, long maxInclusive) {
    return spread(rnd, 0, maxInclusive);
  }

  /** A value in {@code [minInclusive, maxInclusive]}, spread over all magnitudes of the offset. */
  public static long spread(SplittableRandom rnd, long minInclusive, long maxInclusive) {
    long span = maxInclusive - minInclusive; // callers keep this non-negative
    long offset;
    switch (rnd.nextInt(8)) {
      case 0 -> offset = 0;
      case 1 -> offset = span;
      case 2 -> offset = span - Math.min(span, rnd.nextLong(1_000));
      case 3 -> offset = span == Long.MAX_VALUE ? rnd.nextLong() >>> 1 : rnd.nextLong(span + 1);
      case 4 -> {
        int bit = rnd.nextInt(63);
        long power = 1L << bit;
        offset = power + rnd.nextInt(3) - 1; // a power of two, give or take one
        if (offset < 0 || offset > span) {
          offset = Math.min(span, power);
        }
      }
      default -> {
        int bits = 1 + rnd.nextInt(63);
        long v = rnd.nextLong() >>> (64 - bits);
        offset = v <= span ? v : (span == Long.MAX_VALUE ? v : v % (span + 1));
      }
    }
    return minInclusive + offset;
  }

  /** Random key bytes of 1 to {@code maxBytes} bytes. */
  public static byte[] bytes(SplittableRandom rnd, int minBytes, int maxBytes) {
    byte[] b = new byte[minBytes + rnd.nextInt(maxBytes - minBytes + 1)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) rnd.nextInt(256);
    }
    return b;
  }

  /**
   * A UTF-8 key of 1 to {@code maxBytes} bytes mixing 1-, 2-, 3- and 4-byte characters, never cut
   * in the middle of a character.
   */
  public static byte[] utf8Key(SplittableRandom rnd, int maxBytes) {
    int targetBytes = 1 + rnd.nextInt(maxBytes);
    StringBuilder sb = new StringBuilder();
    int used = 0;
    while (true) {
      int codePoint = switch (rnd.nextInt(4)) {
        case 0 -> 0x20 + rnd.nextInt(0x5F); // ASCII
        case 1 -> 0xA0 + rnd.nextInt(0x700); // 2 bytes: Latin-1 supplement .. Cyrillic
        case 2 -> 0x4E00 + rnd.nextInt(0x5000); // 3 bytes: CJK
        default -> 0x1F300 + rnd.nextInt(0x300); // 4 bytes: emoji
      };
      int size = new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8).length;
      if (used + size > targetBytes) {
        break;
      }
      sb.appendCodePoint(codePoint);
      used += size;
    }
    if (sb.length() == 0) {
      sb.append('k');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }
}
