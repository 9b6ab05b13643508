package io.raftlimiter.testing;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.TokenBucket;
import java.math.BigInteger;

/**
 * An independent reference bucket in exact arithmetic, written the obvious way.
 *
 * <p>It counts in units of 10^-15 token (10^-9 micro-token), in which a refill of {@code rate}
 * micro-tokens per second over {@code n} nanoseconds is exactly {@code rate * n}: no division, no
 * rounding, so there is nothing to carry. {@link TokenBucket}'s {@code tokensMicros} and
 * {@code refillRemainder} must be this value's quotient and remainder by 10^9.
 */
public final class ExactBucket {
  public static final BigInteger BILLION = BigInteger.valueOf(1_000_000_000L);
  public static final BigInteger UNITS_PER_TOKEN = BigInteger.valueOf(1_000_000_000_000_000L);

  private final BucketLimit limit;
  private BigInteger units;
  private long lastNanos;

  public ExactBucket(BucketLimit limit, long nowNanos) {
    this.limit = limit;
    this.units = capacityUnits();
    this.lastNanos = nowNanos;
  }

  private BigInteger capacityUnits() {
    return BigInteger.valueOf(limit.capacity()).multiply(UNITS_PER_TOKEN);
  }

  public void refill(long nowNanos) {
    if (nowNanos <= lastNanos) {
      return; // time that goes backwards is no time
    }
    BigInteger elapsed = BigInteger.valueOf(nowNanos).subtract(BigInteger.valueOf(lastNanos));
    units = units.add(elapsed.multiply(BigInteger.valueOf(limit.refillMicrosPerSecond())))
        .min(capacityUnits());
    lastNanos = nowNanos;
  }

  public Decision tryAcquire(long permits, long nowNanos) {
    refill(nowNanos);
    BigInteger needed = BigInteger.valueOf(permits).multiply(UNITS_PER_TOKEN);
    if (units.compareTo(needed) >= 0) {
      units = units.subtract(needed);
      return new Decision(true, wholeTokens(), 0);
    }
    // ceil(missing units / units refilled per millisecond)
    BigInteger perMilli = BigInteger.valueOf(limit.refillMicrosPerSecond())
        .multiply(BigInteger.valueOf(1_000_000L));
    BigInteger[] qr = needed.subtract(units).divideAndRemainder(perMilli);
    BigInteger millis = qr[1].signum() > 0 ? qr[0].add(BigInteger.ONE) : qr[0];
    long retry = millis.compareTo(BigInteger.valueOf(Long.MAX_VALUE)) > 0
        ? Long.MAX_VALUE : millis.longValueExact();
    return new Decision(false, wholeTokens(), retry);
  }

  public long wholeTokens() {
    return units.divide(UNITS_PER_TOKEN).longValueExact();
  }

  public long tokensMicros() {
    return units.divide(BILLION).longValueExact();
  }

  public long remainder() {
    return units.mod(BILLION).longValueExact();
  }

  public long lastNanos() {
    return lastNanos;
  }

  /** The state TokenBucket must be in, field by field. */
  public BucketState expectedState() {
    return new BucketState(limit, tokensMicros(), remainder(), lastNanos);
  }
}
