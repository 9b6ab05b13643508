package io.raftlimiter.server.decide.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.LeaseTerm;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A lease's bookkeeping on a fake clock. */
class LeaseTest {
  private static final long MS = 1_000_000L;
  private static final BucketLimit LIMIT = BucketLimit.of(100, 10);
  private static final byte[] KEY = "k".getBytes(StandardCharsets.UTF_8);

  @Test
  void aNewLeaseMustAskTheGroup() {
    assertNull(new Lease(KEY, LIMIT, 0).tryTake(1, 0));
  }

  @Test
  void grantedTokensAreSpentLocallyAndNoMore() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 3, 0, 0, 0);
    assertEquals(new Decision(true, 2, 0), lease.tryTake(1, 0));
    assertEquals(new Decision(true, 0, 0), lease.tryTake(2, 0));
    assertNull(lease.tryTake(1, 0), "the bucket had more than granted: only the group knows");
  }

  @Test
  void anEmptiedBucketIsRefusedLocallyUntilItsNextToken() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 0, 100 * MS, 0, 0);
    Decision refused = lease.tryTake(1, 40 * MS);
    assertFalse(refused.allowed());
    assertEquals(60, refused.retryAfterMillis());
    assertFalse(lease.wantsTopUp(5, 40 * MS), "known empty: no point asking");
    // after the next token is due the lease still refuses locally, and asks in the background
    Decision later = lease.tryTake(1, 150 * MS);
    assertFalse(later.allowed());
    assertEquals(100, later.retryAfterMillis(), "a token takes 100 ms at 10/s");
    assertTrue(lease.wantsTopUp(5, 150 * MS));
  }

  @Test
  void aLeaseThatEmptiedTheBucketWaitsForWhatItAsksForWithinItsBound() {
    // R = 10/s: a token every 100 ms
    assertEquals(100 * MS, Lease.drainedWaitNanos(100 * MS, 1, 10, 500 * MS),
        "one token asked: until the next one");
    assertEquals(400 * MS, Lease.drainedWaitNanos(100 * MS, 4, 10, 500 * MS),
        "four asked: until they have refilled");
    assertEquals(500 * MS, Lease.drainedWaitNanos(100 * MS, 50, 10, 500 * MS),
        "fifty asked: no longer than the bound");
    assertEquals(100 * MS, Lease.drainedWaitNanos(100 * MS, 50, 10, 0),
        "a bound of 0: until the next token, as before");
    assertEquals(500 * MS, Lease.drainedWaitNanos(100 * MS, 1, 1e-9, 500 * MS),
        "a bucket that hardly refills: the bound");
  }

  @Test
  void aChangedLimitEndsTheWaitOfADrainedLease() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 0, 500 * MS, 0, 0);
    assertFalse(lease.wantsTopUp(5, 10 * MS), "waiting for what it asks to refill");
    lease.reconcile(BucketLimit.of(100, 1_000));
    assertTrue(lease.wantsTopUp(5, 10 * MS), "a wait sized by the old refill rate is over");
  }

  /**
   * A grant asked for under the old limit that comes back after the key's capacity shrank does
   * not bring the old capacity back: it used to, so a late grant could fill the lease past the
   * new capacity (LeasedDeciderTest.aLeaseEndsAfterItsKeysCapacityShrank, now and then).
   */
  @Test
  void aGrantAskedUnderTheOldLimitFillsNoMoreThanTheNewCapacity() {
    BucketLimit small = BucketLimit.of(10, 10);
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 8, 0, 0, 0);
    lease.grantStarted(new CompletableFuture<>()); // a top-up asked under LIMIT, in flight
    lease.reconcile(small); // a request under the new limit arrives first
    long dropped = lease.granted(LIMIT, 30, 0, 0, MS);
    assertEquals(10, lease.tokens(), "never more than the new capacity");
    assertEquals(28, dropped);
    assertEquals(0, lease.room());
    assertEquals(8, lease.recovered(LIMIT, 8, 0, MS), "a recovered grant neither");
  }

  @Test
  void oneGrantAtATime() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.grantStarted(new CompletableFuture<>());
    assertFalse(lease.wantsTopUp(5, 0));
    assertFalse(lease.expired(10_000 * MS, MS), "a lease with a grant in flight does not end");
    lease.grantFailed();
    assertTrue(lease.wantsTopUp(5, 0));
  }

  /** Surrendered tokens are dropped, not sent back: the group takes them back at term end. */
  @Test
  void surrenderingDropsTheUnusedTokens() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(BucketLimit.of(50, 5), 7, 0, 0, 0);
    lease.tryTake(2, 0);
    assertEquals(5, lease.surrender());
    assertTrue(lease.retired());
    assertEquals(0, lease.tokens());
  }

  /**
   * A grant is spent only until half a lease term after it was asked for: the bucket counts it
   * out on lease for at least a whole term, and refills past it after that. Older grants are
   * spent first, and a top-up does not stretch their time.
   */
  @Test
  void aGrantIsSpentOnlyWithinItsSpendableTime() {
    long spendableNanos = LeaseTerm.spendableNanos(LIMIT);
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 5, 0, 0, MS);
    lease.granted(LIMIT, 5, 0, 100 * MS, 101 * MS);
    assertTrue(lease.tryTake(2, 102 * MS).allowed(), "from the first grant");
    assertEquals(8, lease.tokens());
    assertTrue(lease.tryTake(1, spendableNanos - 1).allowed());
    assertEquals(7, lease.tokens());
    assertNull(lease.tryTake(6, spendableNanos), "the first grant's 2 are dropped at its end");
    assertEquals(5, lease.tokens());
    assertNull(lease.tryTake(1, 100 * MS + spendableNanos), "the second grant is over too");
    assertEquals(0, lease.tokens());
    assertEquals(3, lease.granted(LIMIT, 3, 0, 0, spendableNanos),
        "a grant answered after its spendable time is dropped whole");
  }

  @Test
  void anUnusedLeaseExpires() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 1, 0, 0, 0);
    lease.tryTake(1, 10 * MS);
    assertFalse(lease.expired(50 * MS, 100 * MS));
    assertTrue(lease.expired(110 * MS, 100 * MS));
  }

  /** Tokens granted beyond the capacity used to be dropped: taken from the bucket, never spent. */
  @Test
  void aGrantBeyondTheCapacityHandsTheExcessBack() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    assertEquals(0, lease.granted(LIMIT, 80, 0, 0, 0));
    assertEquals(20, lease.room());
    assertEquals(10, lease.granted(LIMIT, 30, 0, 0, 0), "30 granted, room for 20");
    assertEquals(100, lease.tokens());
    assertEquals(5, lease.recovered(LIMIT, 5, 0, 0), "a recovered grant fits no better");
  }

  /** A lease that holds nothing and only refuses ends like an unused one, busy key or not. */
  @Test
  void aLeaseThatOnlyRefusesEnds() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 0, 50 * MS, 0, 0);
    for (long ms = 10; ms <= 200; ms += 10) {
      assertFalse(lease.tryTake(1, ms * MS).allowed());
    }
    assertTrue(lease.expired(200 * MS, 100 * MS), "in use, but it served nothing for 200 ms");

    Lease serving = new Lease(KEY, LIMIT, 0);
    serving.granted(LIMIT, 50, 0, 0, 0);
    for (long ms = 10; ms <= 200; ms += 10) {
      assertTrue(serving.tryTake(1, ms * MS).allowed());
    }
    assertFalse(serving.expired(200 * MS, 100 * MS));
  }

  /**
   * A lease asks for what its callers asked of it in one spendable time: a key used twice a
   * second asks for a token, not a share it would mostly drop; a busy one asks for its share.
   */
  @Test
  void aLeaseAsksForWhatItsCallersAskedOfItInASpendableTime() {
    long spendable = 250 * MS;
    Lease quiet = new Lease(KEY, LIMIT, 0);
    for (long t = 0; t < 2_000 * MS; t += 500 * MS) {
      quiet.noteDemand(1, spendable, t);
      assertEquals(1, quiet.askSize(16, 1, spendable, t), "at " + t / MS + " ms");
    }
    Lease busy = new Lease(KEY, LIMIT, 0);
    for (long t = 0; t < 100 * MS; t += MS) {
      busy.noteDemand(1, spendable, t);
    }
    assertEquals(16, busy.askSize(16, 1, spendable, 100 * MS), "capped at the share");
    assertEquals(5, new Lease(KEY, LIMIT, 0).askSize(16, 5, spendable, 0),
        "never less than the request's permits");
    // the demand of the last window still counts in the next, and is forgotten after that
    assertEquals(16, busy.askSize(16, 1, spendable, 300 * MS));
    assertEquals(1, busy.askSize(16, 1, spendable, 900 * MS));
  }
}
