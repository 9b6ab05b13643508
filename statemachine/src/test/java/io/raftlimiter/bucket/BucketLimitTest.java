package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BucketLimitTest {

  private static String rejection(long capacity, double refillPerSecond) {
    return assertThrows(IllegalArgumentException.class,
        () -> BucketLimit.of(capacity, refillPerSecond)).getMessage();
  }

  @Test
  void capacityBelowOneIsRejected() {
    assertEquals("capacity must be between 1 and 1000000000000, got 0", rejection(0, 1));
    assertEquals("capacity must be between 1 and 1000000000000, got -5", rejection(-5, 1));
  }

  @Test
  void capacityAboveTenToTheTwelveIsRejected() {
    assertEquals("capacity must be between 1 and 1000000000000, got 1000000000001",
        rejection(1_000_000_000_001L, 1));
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, -1.0})
  void refillThatIsNotAFinitePositiveNumberIsRejected(double refill) {
    assertEquals("refill_per_second must be a finite number > 0, got " + refill, rejection(10, refill));
  }

  @Test
  void refillTooSmallOrTooLargeIsRejected() {
    assertEquals("refill_per_second must be between 1.0E-6 and 1.0E12, got 1.0E-7",
        rejection(10, 1e-7));
    assertEquals("refill_per_second must be between 1.0E-6 and 1.0E12, got 9.99E-7",
        rejection(10, 9.99e-7));
    assertEquals("refill_per_second must be between 1.0E-6 and 1.0E12, got 2.0E12",
        rejection(10, 2e12));
  }

  @Test
  void refillIsRoundedToMicroTokensOnce() {
    assertEquals(700_000, BucketLimit.of(10, 0.7).refillMicrosPerSecond());
    assertEquals(1, BucketLimit.of(10, 1e-6).refillMicrosPerSecond());
    assertEquals(333_333, BucketLimit.of(10, 1.0 / 3).refillMicrosPerSecond());
    assertEquals(1_000_000_000_000_000_000L,
        BucketLimit.of(BucketLimit.MAX_CAPACITY, 1e12).refillMicrosPerSecond());
    assertEquals(1_000_000_000_000_000_000L, BucketLimit.of(BucketLimit.MAX_CAPACITY, 1).capacityMicros());
    assertEquals(0.7, BucketLimit.of(10, 0.7).refillPerSecond());
  }

  @Test
  void constructorChecksTheMicroUnits() {
    assertThrows(IllegalArgumentException.class, () -> new BucketLimit(10, 0));
    assertThrows(IllegalArgumentException.class, () -> new BucketLimit(10, 1_000_000_000_000_000_001L));
    assertThrows(IllegalArgumentException.class, () -> new BucketLimit(0, 1));
    assertEquals(new BucketLimit(10, 1), BucketLimit.of(10, 1e-6));
  }
}
