package io.raftlimiter.server.decide.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
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
    lease.granted(LIMIT, 3, 0, 0);
    assertEquals(new Decision(true, 2, 0), lease.tryTake(1, 0));
    assertEquals(new Decision(true, 0, 0), lease.tryTake(2, 0));
    assertNull(lease.tryTake(1, 0), "the bucket had more than granted: only the group knows");
  }

  @Test
  void anEmptiedBucketIsRefusedLocallyUntilItsNextToken() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 0, 100, 0);
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
  void oneGrantAtATime() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.grantStarted(new CompletableFuture<>());
    assertFalse(lease.wantsTopUp(5, 0));
    assertFalse(lease.expired(10_000 * MS, MS), "a lease with a grant in flight does not end");
    lease.grantFailed();
    assertTrue(lease.wantsTopUp(5, 0));
  }

  @Test
  void surrenderingGivesTheUnusedTokensBackUnderTheGrantsLimit() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    BucketLimit newer = BucketLimit.of(50, 5);
    lease.granted(newer, 7, 0, 0);
    lease.tryTake(2, 0);
    BucketOp giveBack = lease.surrender();
    assertEquals(new BucketOp(KEY, 5, newer, OpKind.RETURN), giveBack);
    assertTrue(lease.retired());
    assertEquals(0, lease.tokens());
    assertNull(new Lease(KEY, LIMIT, 0).surrender(), "nothing to give back");
  }

  @Test
  void anUnusedLeaseExpires() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 1, 0, 0);
    lease.tryTake(1, 10 * MS);
    assertFalse(lease.expired(50 * MS, 100 * MS));
    assertTrue(lease.expired(110 * MS, 100 * MS));
  }

  /** Tokens granted beyond the capacity used to be dropped: taken from the bucket, never spent. */
  @Test
  void aGrantBeyondTheCapacityHandsTheExcessBack() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    assertEquals(0, lease.granted(LIMIT, 80, 0, 0));
    assertEquals(20, lease.room());
    assertEquals(10, lease.granted(LIMIT, 30, 0, 0), "30 granted, room for 20");
    assertEquals(100, lease.tokens());
    assertEquals(5, lease.recovered(LIMIT, 5, 0), "a recovered grant fits no better");
  }

  /** A lease that holds nothing and only refuses ends like an unused one, busy key or not. */
  @Test
  void aLeaseThatOnlyRefusesEnds() {
    Lease lease = new Lease(KEY, LIMIT, 0);
    lease.granted(LIMIT, 0, 50, 0);
    for (long ms = 10; ms <= 200; ms += 10) {
      assertFalse(lease.tryTake(1, ms * MS).allowed());
    }
    assertTrue(lease.expired(200 * MS, 100 * MS), "in use, but it served nothing for 200 ms");

    Lease serving = new Lease(KEY, LIMIT, 0);
    serving.granted(LIMIT, 50, 0, 0);
    for (long ms = 10; ms <= 200; ms += 10) {
      assertTrue(serving.tryTake(1, ms * MS).allowed());
    }
    assertFalse(serving.expired(200 * MS, 100 * MS));
  }
}
