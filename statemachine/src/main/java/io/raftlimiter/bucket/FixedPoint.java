package io.raftlimiter.bucket;

import java.math.BigInteger;

/**
 * Overflow-safe integer arithmetic for the bucket math.
 *
 * <p>Refill multiplies an elapsed time (up to 2^63 ns) by a rate (up to 10^18 micro-tokens/s):
 * the product needs 128 bits. It is computed exactly with {@link Math#multiplyHigh} and divided by
 * 10^9 in 32-bit steps; no doubles, so nothing drifts.
 */
final class FixedPoint {
  static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final long NANOS_PER_MILLI = 1_000_000L;
  private static final long LOW_32_BITS = 0xFFFF_FFFFL;

  private FixedPoint() {}

  /**
   * {@code floor((a * b + addend) / 10^9)} for {@code a, b >= 0} and {@code 0 <= addend < 10^9},
   * saturated at {@link Long#MAX_VALUE}.
   */
  static long mulAddDivByBillion(long a, long b, long addend) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    long lowPlus = low + addend;
    if (Long.compareUnsigned(lowPlus, low) < 0) {
      high++;
    }
    if (high >= NANOS_PER_SECOND) {
      return Long.MAX_VALUE; // the quotient needs more than 64 bits
    }
    // Long division of the 128-bit value high:lowPlus by 10^9, 32 bits at a time; every partial
    // dividend stays below 2^62 because each carried remainder is below 10^9 < 2^30.
    long upper = (high << 32) | (lowPlus >>> 32);
    long upperQuotient = upper / NANOS_PER_SECOND;
    long lower = ((upper % NANOS_PER_SECOND) << 32) | (lowPlus & LOW_32_BITS);
    long lowerQuotient = lower / NANOS_PER_SECOND;
    if (upperQuotient >= (1L << 31)) {
      return Long.MAX_VALUE;
    }
    long quotient = (upperQuotient << 32) + lowerQuotient;
    return quotient < 0 ? Long.MAX_VALUE : quotient;
  }

  /** {@code (a * b + addend) mod 10^9} for {@code a, b >= 0} and {@code 0 <= addend < 10^9}. */
  static long mulAddModBillion(long a, long b, long addend) {
    long product = (a % NANOS_PER_SECOND) * (b % NANOS_PER_SECOND) % NANOS_PER_SECOND;
    return (product + addend) % NANOS_PER_SECOND;
  }

  /**
   * The milliseconds until {@code deficitMicros} micro-tokens have been refilled at
   * {@code rateMicrosPerSecond}, given that {@code remainder} (over 10^9) is already accrued:
   * {@code ceil((deficit * 10^9 - remainder) / (rate * 10^6))}, saturated.
   */
  static long millisToRefill(long deficitMicros, long rateMicrosPerSecond, long remainder) {
    if (deficitMicros <= Long.MAX_VALUE / NANOS_PER_SECOND) {
      long numerator = deficitMicros * NANOS_PER_SECOND - remainder;
      long nanos = ceilDiv(numerator, rateMicrosPerSecond);
      return ceilDiv(nanos, NANOS_PER_MILLI);
    }
    // Deficits above ~9,223 tokens overflow 64 bits here; they are rare, so BigInteger is fine.
    BigInteger numerator = BigInteger.valueOf(deficitMicros)
        .multiply(BigInteger.valueOf(NANOS_PER_SECOND))
        .subtract(BigInteger.valueOf(remainder));
    BigInteger denominator = BigInteger.valueOf(rateMicrosPerSecond)
        .multiply(BigInteger.valueOf(NANOS_PER_MILLI));
    BigInteger[] qr = numerator.divideAndRemainder(denominator);
    BigInteger millis = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    return millis.bitLength() <= 63 ? millis.longValue() : Long.MAX_VALUE;
  }

  private static long ceilDiv(long x, long y) {
    return -Math.floorDiv(-x, y);
  }
}
