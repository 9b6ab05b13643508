package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.testing.RandomValues;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** FixedPoint against BigInteger, over random values that reach every magnitude and the edges. */
class FixedPointTest {
  private static final long BILLION = 1_000_000_000L;
  private static final long MAX_RATE = BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN;
  private static final BigInteger BIG_BILLION = BigInteger.valueOf(BILLION);
  private static final BigInteger BIG_LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final int ITERATIONS = 200_000;

  private static BigInteger product(long a, long b, long addend) {
    return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).add(BigInteger.valueOf(addend));
  }

  private static long saturate(BigInteger value) {
    return value.compareTo(BIG_LONG_MAX) > 0 ? Long.MAX_VALUE : value.longValueExact();
  }

  static long referenceDiv(long a, long b, long addend) {
    return saturate(product(a, b, addend).divide(BIG_BILLION));
  }

  static long referenceMod(long a, long b, long addend) {
    return product(a, b, addend).mod(BIG_BILLION).longValueExact();
  }

  /** {@code ceil((deficit * 10^9 - remainder) / (rate * 10^6))}, saturated at Long.MAX_VALUE. */
  static long referenceMillis(long deficitMicros, long rateMicrosPerSecond, long remainder) {
    BigInteger numerator = BigInteger.valueOf(deficitMicros).multiply(BIG_BILLION)
        .subtract(BigInteger.valueOf(remainder));
    BigInteger denominator = BigInteger.valueOf(rateMicrosPerSecond)
        .multiply(BigInteger.valueOf(1_000_000L));
    BigInteger[] qr = numerator.divideAndRemainder(denominator);
    return saturate(qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0]);
  }

  private static void checkMulAdd(long seed, long a, long b, long addend) {
    String where = "seed " + seed + ": a=" + a + " b=" + b + " addend=" + addend;
    assertEquals(referenceDiv(a, b, addend), FixedPoint.mulAddDivByBillion(a, b, addend), where);
    assertEquals(referenceMod(a, b, addend), FixedPoint.mulAddModBillion(a, b, addend), where);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 0x5EED_CAFEL, 20260101L})
  void mulAddMatchesBigIntegerOverRandomValues(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < ITERATIONS; i++) {
      long a = RandomValues.spread(rnd, Long.MAX_VALUE);
      long b = RandomValues.spread(rnd, MAX_RATE);
      long addend = RandomValues.spread(rnd, BILLION - 1);
      checkMulAdd(seed, a, b, addend);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 8, 9})
  void mulAddMatchesBigIntegerAroundTheSaturationPoint(long seed) {
    // Quotients near 2^63: a * b is near 2^63 * 10^9, where the 32-bit long division must switch
    // from an exact answer to saturation.
    SplittableRandom rnd = new SplittableRandom(seed);
    BigInteger edge = BIG_LONG_MAX.multiply(BIG_BILLION);
    for (int i = 0; i < ITERATIONS; i++) {
      long b = RandomValues.spread(rnd, BILLION, MAX_RATE);
      long a = saturate(edge.divide(BigInteger.valueOf(b))) + rnd.nextLong(-3, 4);
      if (a < 0) {
        a = Long.MAX_VALUE;
      }
      checkMulAdd(seed, a, b, RandomValues.spread(rnd, BILLION - 1));
    }
  }

  @Test
  void mulAddEdges() {
    long[] as = {0, 1, BILLION - 1, BILLION, BILLION + 1, 1L << 32, (1L << 32) - 1,
        Long.MAX_VALUE / BILLION, Long.MAX_VALUE / 2, Long.MAX_VALUE - 1, Long.MAX_VALUE};
    long[] bs = {0, 1, BILLION - 1, BILLION, BILLION + 1, 1L << 32, MAX_RATE - 1, MAX_RATE};
    long[] addends = {0, 1, BILLION / 2, BILLION - 1};
    for (long a : as) {
      for (long b : bs) {
        for (long addend : addends) {
          checkMulAdd(0, a, b, addend);
        }
      }
    }
  }

  @Test
  void mulAddIsExactJustBelowSaturationAndSaturatesAbove() {
    assertEquals(Long.MAX_VALUE, FixedPoint.mulAddDivByBillion(Long.MAX_VALUE, BILLION, BILLION - 1));
    assertEquals(Long.MAX_VALUE - 1,
        FixedPoint.mulAddDivByBillion(Long.MAX_VALUE - 1, BILLION, BILLION - 1));
    assertEquals(Long.MAX_VALUE, FixedPoint.mulAddDivByBillion(Long.MAX_VALUE, BILLION + 1, 0));
    assertEquals(Long.MAX_VALUE, FixedPoint.mulAddDivByBillion(Long.MAX_VALUE, MAX_RATE, 0));
    assertEquals(BILLION - 1, FixedPoint.mulAddModBillion(0, 0, BILLION - 1));
    assertEquals(0, FixedPoint.mulAddDivByBillion(1, BILLION - 2, 1));
    assertEquals(1, FixedPoint.mulAddDivByBillion(1, BILLION - 1, 1));
  }

  private static void checkMillis(long seed, long deficit, long rate, long remainder) {
    assertEquals(referenceMillis(deficit, rate, remainder),
        FixedPoint.millisToRefill(deficit, rate, remainder),
        () -> "seed " + seed + ": deficit=" + deficit + " rate=" + rate + " remainder=" + remainder);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 0x5EED_CAFEL})
  void millisToRefillMatchesBigIntegerOnTheLongPath(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long longPathMax = Long.MAX_VALUE / BILLION;
    for (int i = 0; i < ITERATIONS; i++) {
      checkMillis(seed, RandomValues.spread(rnd, 1, longPathMax), RandomValues.spread(rnd, 1, MAX_RATE),
          RandomValues.spread(rnd, BILLION - 1));
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 0x5EED_CAFEL})
  void millisToRefillMatchesBigIntegerOnTheBigIntegerPath(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long deficitMax = BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN;
    for (int i = 0; i < ITERATIONS / 4; i++) {
      checkMillis(seed, RandomValues.spread(rnd, Long.MAX_VALUE / BILLION + 1, deficitMax),
          RandomValues.spread(rnd, 1, MAX_RATE), RandomValues.spread(rnd, BILLION - 1));
    }
  }

  @Test
  void millisToRefillEdges() {
    long boundary = Long.MAX_VALUE / BILLION; // the last deficit on the long path
    long[] deficits = {1, 2, BILLION, boundary - 1, boundary, boundary + 1, 1_000_000_000_000_000_000L};
    long[] rates = {1, 2, 3, 999_999, 1_000_000, 1_000_001, BILLION, MAX_RATE};
    long[] remainders = {0, 1, BILLION - 1};
    for (long d : deficits) {
      for (long r : rates) {
        for (long rem : remainders) {
          checkMillis(0, d, r, rem);
        }
      }
    }
  }

  @Test
  void millisToRefillSimpleCases() {
    assertEquals(1_000, FixedPoint.millisToRefill(1_000_000, 1_000_000, 0), "1 token at 1/s");
    assertEquals(1, FixedPoint.millisToRefill(1, 1_000_000, 0), "1 micro-token at 1/s is 1 us");
    assertEquals(2_000, FixedPoint.millisToRefill(1_000_000, 500_000, 0), "1 token at 0.5/s");
    assertEquals(1, FixedPoint.millisToRefill(1, 1, BILLION - 1), "1 ns of a micro-token left");
  }

  @Test
  void millisToRefillIsExactWhereTheAnswerNeedsAllSixtyThreeBits() {
    // 5 * 10^9 tokens at one micro-token per second: 5 * 10^18 ms, between 2^62 and 2^63.
    long deficit = 5_000_000_000_000_000L;
    assertEquals(5_000_000_000_000_000_000L, FixedPoint.millisToRefill(deficit, 1, 0));
    // 10^12 tokens at one micro-token per second: 10^21 ms, past any long.
    assertEquals(Long.MAX_VALUE, FixedPoint.millisToRefill(1_000_000_000_000_000_000L, 1, 0));
  }
}
