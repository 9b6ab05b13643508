package io.raftlimiter.server.envoy;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.raftlimiter.bucket.BucketLimit;
import java.util.Locale;

/**
 * Envoy's limits are "N requests per unit"; raftlimiter's are token buckets. N per unit is taken
 * as a bucket of N tokens refilled at N per unit: a full bucket admits the burst of N a fixed
 * window would, and refills at the window's average rate without its boundary doubling. Pure.
 */
public final class EnvoyUnits {
  private static final long DAY_SECONDS = 86_400;
  /** How far a bucket's refill may be from N per unit before the limit is refused. */
  static final double MAX_REFILL_ERROR = 0.01;

  private EnvoyUnits() {}

  /** The seconds in {@code unit}: Envoy's month is 30 days and its year 365. */
  public static long seconds(Unit unit) {
    return switch (unit) {
      case SECOND -> 1;
      case MINUTE -> 60;
      case HOUR -> 3_600;
      case DAY -> DAY_SECONDS;
      case WEEK -> 7 * DAY_SECONDS;
      case MONTH -> 30 * DAY_SECONDS;
      case YEAR -> 365 * DAY_SECONDS;
      default -> throw new IllegalArgumentException("not a unit of time: " + unit);
    };
  }

  /** The unit spelled {@code name} in any case ({@code second}, {@code MINUTE}, ...), or null. */
  public static Unit named(String name) {
    for (Unit unit : Unit.values()) {
      if (unit != Unit.UNKNOWN && unit != Unit.UNRECOGNIZED
          && unit.name().equals(name.toUpperCase(Locale.ROOT))) {
        return unit;
      }
    }
    return null;
  }

  /** The names {@link #named} accepts, for error messages. */
  public static String names() {
    return "second, minute, hour, day, week, month, year";
  }

  /**
   * The bucket that stands for {@code perUnit} requests per {@code unit}.
   *
   * @throws IllegalArgumentException when no bucket can: 0 or more than
   *     {@link BucketLimit#MAX_CAPACITY} requests, or a refill a bucket cannot hold within
   *     {@link #MAX_REFILL_ERROR} (a bucket counts refill in whole micro-tokens per second, so
   *     1 per week would refill 21% fast)
   */
  public static BucketLimit bucket(long perUnit, Unit unit) {
    double refill = (double) perUnit / seconds(unit);
    BucketLimit bucket = BucketLimit.of(perUnit, refill);
    double held = bucket.refillPerSecond();
    if (Math.abs(held - refill) > MAX_REFILL_ERROR * refill) {
      throw new IllegalArgumentException(perUnit + " per " + unit.name().toLowerCase(Locale.ROOT)
          + " is a refill of " + refill + " tokens/s, which a bucket holds only as " + held);
    }
    return bucket;
  }
}
