package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ops behind LEASED (lease, give back) and EVENTUAL (charge) on a fake clock. */
class TokenBucketLeaseAndChargeTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long MICROS = BucketLimit.MICROS_PER_TOKEN;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final BucketLimit LIMIT = BucketLimit.of(100, 10);

  @Test
  void aLeaseTakesWhatIsThereUpToItsShare() {
    TokenBucket.Outcome first = TokenBucket.lease(null, LIMIT, 30, T0);
    assertEquals(new Decision(true, 70, 0, 30), first.decision());
    TokenBucket.Outcome rest = TokenBucket.lease(
        new BucketState(LIMIT, 12 * MICROS + 500_000, 0, T0), LIMIT, 30, T0);
    assertEquals(new Decision(true, 0, 50, 12), rest.decision(),
        "only whole tokens are leased; the half left is a whole one in 50 ms at 10/s");
    assertEquals(500_000, rest.state().tokensMicros(), "the fraction stays in the bucket");
  }

  @Test
  void anEmptyBucketGrantsNothingAndSaysWhenAToken() {
    BucketState empty = new BucketState(LIMIT, 0, 0, T0);
    TokenBucket.Outcome outcome = TokenBucket.lease(empty, LIMIT, 30, T0);
    assertEquals(new Decision(false, 0, 100, 0), outcome.decision(), "1 token at 10/s: 100 ms");
    assertEquals(empty, outcome.state());
    assertEquals(1, TokenBucket.lease(empty, LIMIT, 30, T0 + 100 * MILLI).decision().granted());
  }

  /** A return (kept for logs from before lease terms) fills up to the capacity. */
  @Test
  void givingBackRestoresTheTokensUpToTheCapacity() {
    BucketState sixty = new BucketState(LIMIT, 60 * MICROS, 0, T0);
    TokenBucket.Outcome back = TokenBucket.giveBack(sixty, LIMIT, 15, T0);
    assertEquals(75, back.state().tokens());
    // 3 s later the bucket has refilled to 60 + 30: the 40 returned would overflow it
    TokenBucket.Outcome late = TokenBucket.giveBack(sixty, LIMIT, 40, T0 + 3 * SECOND);
    assertTrue(late.state().isFull());
    assertEquals(100, late.decision().remaining());
  }

  /** ... but never past tokens still counted out on lease: they may yet be spent. */
  @Test
  void givingBackStopsBelowWhatIsOutOnLease() {
    TokenBucket.Outcome leased = TokenBucket.lease(null, LIMIT, 40, T0);
    assertEquals(60, TokenBucket.giveBack(leased.state(), LIMIT, 15, T0).state().tokens());
  }

  @Test
  void aChargeTakesEvenWhatIsNotThereAndRefillPaysTheDebtFirst() {
    BucketState two = new BucketState(LIMIT, 2 * MICROS, 0, T0);
    TokenBucket.Outcome charged = TokenBucket.charge(two, LIMIT, 7, T0);
    assertEquals(-5, charged.decision().remaining(), "the debt is reported");
    assertEquals(600, charged.decision().retryAfterMillis(), "5 owed + 1 needed at 10/s");
    assertFalse(TokenBucket.tryAcquire(charged.state(), LIMIT, 1, T0 + 599 * MILLI)
        .decision().allowed());
    TokenBucket.Outcome paid = TokenBucket.tryAcquire(charged.state(), LIMIT, 1, T0 + 600 * MILLI);
    assertEquals(new Decision(true, 0, 0), paid.decision());
  }

  @Test
  void aChargeOfNothingReadsTheBucket() {
    BucketState state = new BucketState(LIMIT, 42 * MICROS, 0, T0);
    TokenBucket.Outcome read = TokenBucket.charge(state, LIMIT, 0, T0 + SECOND);
    assertEquals(new Decision(true, 52, 0), read.decision());
    assertEquals(TokenBucket.refill(state, T0 + SECOND), read.state());
  }

  @Test
  void aDebtBottomsOutInsteadOfOverflowing() {
    BucketLimit huge = new BucketLimit(BucketLimit.MAX_CAPACITY, 1);
    BucketState state = null;
    for (int i = 0; i < 8; i++) {
      state = TokenBucket.charge(state, huge, BucketLimit.MAX_CAPACITY, T0).state();
    }
    assertEquals(BucketState.MIN_TOKENS_MICROS, state.tokensMicros());
    TokenBucket.Outcome later = TokenBucket.tryAcquire(state, huge, 1, Long.MAX_VALUE);
    assertFalse(later.decision().allowed());
  }

  @Test
  void outOfRangeAmountsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.lease(null, LIMIT, 0, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.lease(null, LIMIT, 101, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.giveBack(null, LIMIT, 0, T0));
    assertThrows(IllegalArgumentException.class, () -> TokenBucket.charge(null, LIMIT, -1, T0));
    assertThrows(IllegalArgumentException.class,
        () -> TokenBucket.charge(null, LIMIT, BucketLimit.MAX_CAPACITY + 1, T0));
  }

  /**
   * LEASED's promise in the small: tokens handed out by acquires and leases, minus what leases
   * gave back unused, never exceed C + R·t, whatever the interleaving.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void leasesNeverHandOutMoreThanTheBucketHolds(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    BucketLimit limit = BucketLimit.of(1 + rnd.nextInt(200), 0.5 + rnd.nextInt(100));
    BucketState state = null;
    long now = T0;
    long handedOut = 0;
    long outstanding = 0;
    for (int i = 0; i < 20_000; i++) {
      now += rnd.nextLong(20 * MILLI);
      long amount = 1 + rnd.nextLong(limit.capacity());
      TokenBucket.Outcome outcome;
      switch (rnd.nextInt(3)) {
        case 0 -> {
          outcome = TokenBucket.tryAcquire(state, limit, amount, now);
          handedOut += outcome.decision().allowed() ? amount : 0;
        }
        case 1 -> {
          outcome = TokenBucket.lease(state, limit, amount, now);
          handedOut += outcome.decision().granted();
          outstanding += outcome.decision().granted();
        }
        default -> {
          long unused = Math.min(outstanding, amount);
          if (unused == 0) {
            continue;
          }
          outcome = TokenBucket.giveBack(state, limit, unused, now);
          outstanding -= unused;
          handedOut -= unused;
        }
      }
      state = outcome.state();
      double allowance = limit.capacity() + limit.refillPerSecond() * (now - T0) / 1e9;
      assertTrue(handedOut <= allowance + 1e-6, "op " + i + ": " + handedOut + " > " + allowance);
    }
  }
}
