package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.testing.RandomValues;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The bucket math on a fake clock: the time is just a long handed in. */
class TokenBucketTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long MICROS = BucketLimit.MICROS_PER_TOKEN;
  /** Some epoch-like instant, so nothing depends on starting at zero. */
  private static final long T0 = 1_700_000_000L * SECOND;

  /** A bucket of {@code limit} with exactly {@code tokens} tokens at T0. */
  private static BucketState withTokens(BucketLimit limit, long tokens) {
    return new BucketState(limit, tokens * MICROS, 0, T0);
  }

  @Test
  void aNewKeyIsFull() {
    BucketLimit limit = BucketLimit.of(10, 1);
    TokenBucket.Outcome outcome = TokenBucket.tryAcquire(null, limit, 1, T0);
    assertEquals(new Decision(true, 9, 0), outcome.decision());
    assertEquals(new BucketState(limit, 9 * MICROS, 0, T0), outcome.state());

    TokenBucket.Outcome all = TokenBucket.tryAcquire(null, limit, 10, T0);
    assertEquals(new Decision(true, 0, 0), all.decision());
    assertEquals(0, all.state().tokensMicros());
  }

  @Test
  void takesPermitsUntilShortThenRejectsAndTakesNothing() {
    BucketLimit limit = BucketLimit.of(5, 1);
    BucketState state = null;
    for (int expectedRemaining = 3; expectedRemaining >= 1; expectedRemaining -= 2) {
      TokenBucket.Outcome outcome = TokenBucket.tryAcquire(state, limit, 2, T0);
      assertEquals(new Decision(true, expectedRemaining, 0), outcome.decision());
      state = outcome.state();
    }
    TokenBucket.Outcome rejected = TokenBucket.tryAcquire(state, limit, 2, T0);
    assertFalse(rejected.decision().allowed());
    assertEquals(1, rejected.decision().remaining());
    assertEquals(state, rejected.state(), "a rejection takes nothing");
    // the one token left is still there for a smaller request
    assertEquals(new Decision(true, 0, 0), TokenBucket.tryAcquire(rejected.state(), limit, 1, T0).decision());
  }

  @Test
  void oneTokenPerSecondGivesExactlyOneTokenAfterExactlyOneSecond() {
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketState empty = withTokens(limit, 0);

    TokenBucket.Outcome early = TokenBucket.tryAcquire(empty, limit, 1, T0 + SECOND - 1);
    assertEquals(new Decision(false, 0, 1), early.decision(), "1 ns short: retry in 1 ms");
    assertEquals(new BucketState(limit, MICROS - 1, 999_000_000, T0 + SECOND - 1), early.state(),
        "999,999,999 ns of refill is 999,999.999 micro-tokens");

    TokenBucket.Outcome onTime = TokenBucket.tryAcquire(empty, limit, 1, T0 + SECOND);
    assertEquals(new Decision(true, 0, 0), onTime.decision());
    assertEquals(new BucketState(limit, 0, 0, T0 + SECOND), onTime.state());
  }

  @Test
  void halfATokenPerSecond() {
    BucketLimit limit = BucketLimit.of(10, 0.5);
    BucketState empty = withTokens(limit, 0);
    assertEquals(new BucketState(limit, MICROS / 2, 0, T0 + SECOND), TokenBucket.refill(empty, T0 + SECOND));
    assertEquals(new Decision(false, 0, 1_000),
        TokenBucket.tryAcquire(empty, limit, 1, T0 + SECOND).decision());
    assertEquals(new Decision(true, 0, 0),
        TokenBucket.tryAcquire(empty, limit, 1, T0 + 2 * SECOND).decision());
    assertEquals(new Decision(true, 2, 0),
        TokenBucket.tryAcquire(empty, limit, 3, T0 + 10 * SECOND).decision());
  }

  @Test
  void refillCarriesTheFractionSoThatThousandMillisecondStepsEqualOneSecond() {
    // A third of a token per second: every millisecond adds 333.333 micro-tokens.
    BucketLimit limit = new BucketLimit(10, 333_333);
    BucketState stepwise = withTokens(limit, 0);
    for (int i = 1; i <= 1_000; i++) {
      stepwise = TokenBucket.refill(stepwise, T0 + i * MILLI);
      assertEquals((333_333L * i * MILLI) / SECOND, stepwise.tokensMicros(), "after " + i + " ms");
      assertEquals((333_333L * i * MILLI) % SECOND, stepwise.refillRemainder(), "after " + i + " ms");
    }
    BucketState once = TokenBucket.refill(withTokens(limit, 0), T0 + SECOND);
    assertEquals(once, stepwise);
    assertEquals(new BucketState(limit, 333_333, 0, T0 + SECOND), once);
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void anySplitOfAnIntervalRefillsLikeTheWholeInterval(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int round = 0; round < 200; round++) {
      long rate = RandomValues.spread(rnd, 1, 10_000_000_000L);
      BucketLimit limit = new BucketLimit(BucketLimit.MAX_CAPACITY, rate);
      long start = T0 + rnd.nextLong(SECOND);
      long end = start + RandomValues.spread(rnd, 1, 100 * SECOND);
      BucketState stepwise = new BucketState(limit, 0, rnd.nextLong(SECOND), start);
      BucketState whole = TokenBucket.refill(stepwise, end);
      long t = start;
      while (t < end) {
        t = Math.min(end, t + RandomValues.spread(rnd, 0, (end - start) / 8 + 1));
        stepwise = TokenBucket.refill(stepwise, t);
      }
      assertEquals(whole, stepwise, "seed " + seed + " round " + round + " rate " + rate);
    }
  }

  @Test
  void refillStopsAtCapacityAndDropsTheFraction() {
    BucketLimit limit = new BucketLimit(3, 333_333);
    BucketState partial = new BucketState(limit, 2 * MICROS, 123_456_789, T0);
    BucketState full = TokenBucket.refill(partial, T0 + 1_000 * SECOND);
    assertEquals(BucketState.full(limit, T0 + 1_000 * SECOND), full);
    assertTrue(full.isFull());
    assertEquals(new Decision(true, 2, 0), TokenBucket.tryAcquire(partial, limit, 1, T0 + 1_000 * SECOND).decision());
    // refilling exactly to the brim
    BucketLimit one = BucketLimit.of(3, 1);
    assertEquals(BucketState.full(one, T0 + SECOND), TokenBucket.refill(withTokens(one, 2), T0 + SECOND));
  }

  @Test
  void timeGoingBackwardsMintsNothing() {
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketState state = new BucketState(limit, 4 * MICROS, 500, T0);
    assertSame(state, TokenBucket.refill(state, T0 - SECOND));
    assertSame(state, TokenBucket.refill(state, T0));
    assertSame(state, TokenBucket.refill(state, Long.MIN_VALUE));

    TokenBucket.Outcome backwards = TokenBucket.tryAcquire(state, limit, 1, T0 - 60 * SECOND);
    assertEquals(new Decision(true, 3, 0), backwards.decision());
    assertEquals(new BucketState(limit, 3 * MICROS, 500, T0), backwards.state(),
        "the refill time stays at the later instant");
    // and the minute that was 'lost' is not paid out later either
    assertEquals(new BucketState(limit, 4 * MICROS, 500, T0 + SECOND),
        TokenBucket.refill(backwards.state(), T0 + SECOND));
  }

  @Test
  void retryAfterIsExactForSimpleCasesAndZeroWhenAllowed() {
    BucketLimit twoPerSecond = BucketLimit.of(10, 2);
    BucketState empty = withTokens(twoPerSecond, 0);
    assertEquals(new Decision(false, 0, 1_500), TokenBucket.tryAcquire(empty, twoPerSecond, 3, T0).decision());
    assertEquals(new Decision(false, 0, 1_250),
        TokenBucket.tryAcquire(empty, twoPerSecond, 3, T0 + 250 * MILLI).decision());
    assertEquals(new Decision(false, 2, 1), TokenBucket.tryAcquire(empty, twoPerSecond, 3,
        T0 + 1_500 * MILLI - 1).decision());
    assertEquals(new Decision(true, 0, 0),
        TokenBucket.tryAcquire(empty, twoPerSecond, 3, T0 + 1_500 * MILLI).decision());

    BucketLimit slow = BucketLimit.of(10, 1e-6); // one micro-token per second
    assertEquals(new Decision(false, 0, 1_000_000_000L),
        TokenBucket.tryAcquire(withTokens(slow, 0), slow, 1, T0).decision());

    BucketLimit huge = new BucketLimit(BucketLimit.MAX_CAPACITY, 1);
    assertEquals(new Decision(false, 0, Long.MAX_VALUE),
        TokenBucket.tryAcquire(withTokens(huge, 0), huge, BucketLimit.MAX_CAPACITY, T0).decision(),
        "10^21 ms saturates");
  }

  @Test
  void aSmallerLimitClipsTheTokensThenRefillsAtTheNewRate() {
    BucketLimit before = BucketLimit.of(10, 1);
    BucketLimit after = BucketLimit.of(5, 2);
    BucketState eight = withTokens(before, 8);

    TokenBucket.Outcome outcome = TokenBucket.tryAcquire(eight, after, 1, T0);
    assertEquals(new Decision(true, 4, 0), outcome.decision());
    assertEquals(new BucketState(after, 4 * MICROS, 0, T0), outcome.state());
    assertEquals(new BucketState(after, 4 * MICROS + MICROS / 2, 0, T0 + 250 * MILLI),
        TokenBucket.refill(outcome.state(), T0 + 250 * MILLI), "2 tokens/s for 250 ms");
    assertEquals(BucketState.full(after, T0 + SECOND), TokenBucket.refill(outcome.state(), T0 + SECOND));
  }

  @Test
  void aLimitChangeRefillsAtTheOldRateUpToNow() {
    BucketLimit before = BucketLimit.of(10, 1);
    BucketLimit after = BucketLimit.of(10, 4);
    BucketState two = withTokens(before, 2);
    BucketState changed = TokenBucket.withLimit(two, after, T0 + 2 * SECOND);
    assertEquals(new BucketState(after, 4 * MICROS, 0, T0 + 2 * SECOND), changed);
    assertEquals(new BucketState(after, 8 * MICROS, 0, T0 + 3 * SECOND),
        TokenBucket.refill(changed, T0 + 3 * SECOND));
  }

  @Test
  void clippingToTheNewCapacityLeavesNoFractionAboveIt() {
    // 9 tokens plus 333.333 micro-tokens: the .333 is carried in the remainder
    BucketLimit third = new BucketLimit(10, 333_333);
    BucketState carried = TokenBucket.refill(withTokens(third, 9), T0 + MILLI);
    assertEquals(new BucketState(third, 9 * MICROS + 333, 333_000_000, T0 + MILLI), carried);

    BucketLimit smaller = new BucketLimit(5, 333_333);
    BucketState clipped = TokenBucket.withLimit(carried, smaller, T0 + MILLI);
    assertEquals(BucketState.full(smaller, T0 + MILLI), clipped, "exactly full, not full plus a fraction");

    BucketState took = TokenBucket.tryAcquire(carried, smaller, 1, T0 + MILLI).state();
    assertEquals(new BucketState(smaller, 4 * MICROS, 0, T0 + MILLI), took);
  }

  @Test
  void permitsOutsideOneToCapacityAreRejected() {
    BucketLimit limit = BucketLimit.of(10, 1);
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.tryAcquire(null, limit, 0, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.tryAcquire(null, limit, 11, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.tryAcquire(null, limit, -1, T0));
  }

  @Test
  void theLargestBucketWithHugeElapsedTimesNeverOverflows() {
    long capacity = BucketLimit.MAX_CAPACITY;
    long[] rates = {1, 7, 1_000_000, 999_999_999_999L, 1_000_000_000_000_000_000L};
    long[] starts = {0, 1, T0, Long.MAX_VALUE / 2};
    for (long rate : rates) {
      BucketLimit limit = new BucketLimit(capacity, rate);
      for (long start : starts) {
        BucketState empty = new BucketState(limit, 0, SECOND - 1, start);
        BucketState refilled = TokenBucket.refill(empty, Long.MAX_VALUE);
        BigInteger[] exact = BigInteger.valueOf(Long.MAX_VALUE - start).multiply(BigInteger.valueOf(rate))
            .add(BigInteger.valueOf(SECOND - 1)).divideAndRemainder(BigInteger.valueOf(SECOND));
        BucketState expected = exact[0].compareTo(BigInteger.valueOf(limit.capacityMicros())) >= 0
            ? BucketState.full(limit, Long.MAX_VALUE)
            : new BucketState(limit, exact[0].longValueExact(), exact[1].longValueExact(), Long.MAX_VALUE);
        assertEquals(expected, refilled, "rate " + rate + " start " + start);
        if (rate == 1_000_000_000_000_000_000L) {
          assertTrue(refilled.isFull(), "start " + start);
        }

        TokenBucket.Outcome all = TokenBucket.tryAcquire(empty, limit, capacity, Long.MAX_VALUE);
        assertEquals(refilled.isFull(), all.decision().allowed());
        assertTrue(all.decision().retryAfterMillis() >= 0);
      }
    }
    // a full bucket asked for everything at the largest rate and the end of time
    BucketLimit fastest = new BucketLimit(capacity, 1_000_000_000_000_000_000L);
    TokenBucket.Outcome outcome = TokenBucket.tryAcquire(null, fastest, capacity, Long.MAX_VALUE);
    assertEquals(new Decision(true, 0, 0), outcome.decision());
    assertEquals(new Decision(false, 0, 1_000),
        TokenBucket.tryAcquire(outcome.state(), fastest, capacity, Long.MAX_VALUE).decision());
  }

  @Test
  void bucketStateChecksItsRanges() {
    BucketLimit limit = BucketLimit.of(10, 1);
    assertThrows(IllegalArgumentException.class,
        () -> new BucketState(limit, BucketState.MIN_TOKENS_MICROS - 1, 0, T0));
    assertEquals(-1, new BucketState(limit, -1, 0, T0).tokens(), "a debt rounds down");
    assertThrows(IllegalArgumentException.class, () -> new BucketState(limit, 10 * MICROS + 1, 0, T0));
    assertThrows(IllegalArgumentException.class, () -> new BucketState(limit, 0, SECOND, T0));
    assertThrows(IllegalArgumentException.class, () -> new BucketState(limit, 0, -1, T0));
    assertThrows(IllegalArgumentException.class, () -> new BucketState(null, 0, 0, T0));
    assertEquals(9, new BucketState(limit, 10 * MICROS - 1, 0, T0).tokens());
  }
}
