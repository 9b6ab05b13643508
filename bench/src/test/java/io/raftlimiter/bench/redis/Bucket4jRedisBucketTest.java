package io.raftlimiter.bench.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class Bucket4jRedisBucketTest {
  /** The one bandwidth of the configuration for {@code refillPerSecond}, capacity 100. */
  private static Bandwidth bandwidth(double refillPerSecond) {
    Bandwidth[] limits = Bucket4jRedisBucket.configuration(100, refillPerSecond).getBandwidths();
    assertEquals(1, limits.length);
    return limits[0];
  }

  @Test
  void aFullBucketRefilledGreedily() {
    Bandwidth limit = bandwidth(50);
    assertEquals(100, limit.getCapacity());
    assertEquals(100, limit.getInitialTokens());
    assertTrue(limit.isGready());
    assertEquals(50, limit.getRefillTokens());
    assertEquals(Duration.ofSeconds(1).toNanos(), limit.getRefillPeriodNanos());
  }

  @Test
  void aDecimalRateBecomesWholeTokensPerAPowerOfTenSeconds() {
    assertEquals(25, bandwidth(0.25).getRefillTokens());
    assertEquals(Duration.ofSeconds(100).toNanos(), bandwidth(0.25).getRefillPeriodNanos());
    assertEquals(1, bandwidth(0.001).getRefillTokens());
    assertEquals(Duration.ofSeconds(1000).toNanos(), bandwidth(0.001).getRefillPeriodNanos());
    assertEquals(1500, bandwidth(1500.0).getRefillTokens());
    assertEquals(Duration.ofSeconds(1).toNanos(), bandwidth(1500.0).getRefillPeriodNanos());
  }

  @Test
  void aRateFinerThanBucket4jCountsIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> bandwidth(1e-12));
  }
}
