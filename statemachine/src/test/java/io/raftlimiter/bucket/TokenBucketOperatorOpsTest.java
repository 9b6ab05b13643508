package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** An operator's look at one bucket and reset of it ({@code rlctl bucket get}, {@code reset}). */
class TokenBucketOperatorOpsTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MICROS = BucketLimit.MICROS_PER_TOKEN;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final BucketLimit LIMIT = BucketLimit.of(100, 10);

  @Test
  void anEmptiedBucketHoldsItsCapacityAgain() {
    BucketState empty = TokenBucket.tryAcquire(null, LIMIT, 100, T0).state();
    TokenBucket.Outcome reset = TokenBucket.reset(empty, LIMIT, T0 + 1);
    assertEquals(new Decision(true, 100, 0), reset.decision());
    assertTrue(reset.state().isFull(), "a full bucket is stored as no bucket");
  }

  @Test
  void aDebtIsForgiven() {
    BucketState owing = TokenBucket.charge(null, LIMIT, 250, T0).state();
    assertEquals(-150, owing.tokens());
    assertEquals(100, TokenBucket.reset(owing, LIMIT, T0).state().tokens());
  }

  @Test
  void tokensOutOnLeaseAreNotCountedTwice() {
    BucketState leased = TokenBucket.lease(null, LIMIT, 40, T0).state();
    BucketState drained = TokenBucket.tryAcquire(leased, LIMIT, 60, T0).state();
    TokenBucket.Outcome reset = TokenBucket.reset(drained, LIMIT, T0);
    assertEquals(60, reset.state().tokens(),
        "40 tokens are still out on lease: the bucket may hold only 60 beside them");
    assertEquals(drained.leased(), reset.state().leased());
    assertEquals(60, reset.decision().remaining());
  }

  @Test
  void aBucketNeverSeenStaysFullAndResettingTwiceChangesNothing() {
    TokenBucket.Outcome fresh = TokenBucket.reset(null, LIMIT, T0);
    assertEquals(BucketState.full(LIMIT, T0), fresh.state());
    BucketState half = new BucketState(LIMIT, 50 * MICROS, 0, T0);
    BucketState once = TokenBucket.reset(half, LIMIT, T0).state();
    assertEquals(once, TokenBucket.reset(once, LIMIT, T0).state());
  }

  @Test
  void aLookRefillsToNowUnderTheBucketsOwnLimitAndTakesNothing() {
    BucketState seven = TokenBucket.tryAcquire(null, LIMIT, 93, T0).state();
    assertEquals(new Decision(true, 17, 0), TokenBucket.peek(seven, LIMIT, T0 + SECOND),
        "7 left, 10 refilled in a second");
    assertEquals(new Decision(true, 17, 0),
        TokenBucket.peek(seven, BucketLimit.of(5, 1), T0 + SECOND),
        "a stored bucket is read under its own limit, not the one the look names");
    assertEquals(new Decision(true, 5, 0), TokenBucket.peek(null, BucketLimit.of(5, 1), T0));
  }

  @Test
  void aLookAtAnEmptyOrOwingBucketSaysWhenAWholeTokenComes() {
    BucketState owing = TokenBucket.charge(null, LIMIT, 103, T0).state();
    assertEquals(new Decision(true, -3, 400), TokenBucket.peek(owing, LIMIT, T0),
        "3 owed and 1 needed at 10/s");
  }
}
