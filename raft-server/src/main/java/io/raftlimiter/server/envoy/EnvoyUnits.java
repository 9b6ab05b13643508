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
  private static final long DAY = 86_400;

  private EnvoyUnits() {}

  /** The seconds in {@code unit}: Envoy's month is 30 days and its year 365. */
  public static long seconds(Unit unit) {
    return switch (unit) {
      case SECOND -> 1;
      case MINUTE -> 60;
      case HOUR -> 3_600;
      case DAY -> DAY;
      case WEEK -> 7 * DAY;
      case MONTH -> 30 * DAY;
      case YEAR -> 365 * DAY;
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
   *     {@link BucketLimit#MAX_CAPACITY} requests, or a refill slower than
   *     {@link BucketLimit#MIN_REFILL_PER_SECOND}
   */
  public static BucketLimit bucket(long perUnit, Unit unit) {
    return BucketLimit.of(perUnit, (double) perUnit / seconds(unit));
  }
}
