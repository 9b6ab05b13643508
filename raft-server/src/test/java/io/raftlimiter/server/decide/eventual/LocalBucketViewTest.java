package io.raftlimiter.server.decide.eventual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import org.junit.jupiter.api.Test;

/** The EVENTUAL view's bookkeeping on a fake clock. */
class LocalBucketViewTest {
  private static final long MS = 1_000_000L;
  private static final BucketLimit LIMIT = BucketLimit.of(10, 100); // a token every 10 ms
  private static final long NEVER_STALE = Long.MAX_VALUE;

  @Test
  void anUnknownKeyIsAssumedFullAndSpendsWhatItOwesNotTwice() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    for (int i = 0; i < 10; i++) {
      assertTrue(view.tryTake(1, LIMIT, 0, NEVER_STALE).allowed());
    }
    assertFalse(view.tryTake(1, LIMIT, 0, NEVER_STALE).allowed(), "10 owed out of 10");
    assertEquals(10, view.owed());
    assertEquals(10, view.beginSync());
    assertFalse(view.tryTake(1, LIMIT, 0, NEVER_STALE).allowed(), "hits being synced still count");
    // a full view cannot refill past the capacity, so until the group has the hits the view errs
    // on the side of refusing
    assertFalse(view.tryTake(1, LIMIT, 10 * MS, NEVER_STALE).allowed());
    view.synced(10, 0, 10 * MS);
    assertTrue(view.tryTake(1, LIMIT, 20 * MS, NEVER_STALE).allowed(), "then it refills on the node's clock");
  }

  @Test
  void aSyncReplyReplacesTheViewWithTheGroupsState() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(3, LIMIT, 0, NEVER_STALE);
    long charged = view.beginSync();
    view.tryTake(1, LIMIT, 0, NEVER_STALE); // admitted while the sync is in flight
    // other nodes took 6 more: the group has 10 - 3 - 6 = 1 left after this charge
    view.synced(charged, 1, 0);
    assertEquals(1, view.owed(), "only the hit after the sync is still owed");
    assertFalse(view.tryTake(1, LIMIT, 0, NEVER_STALE).allowed(), "1 left, 1 owed");
    assertTrue(view.tryTake(1, LIMIT, 10 * MS, NEVER_STALE).allowed());
  }

  @Test
  void aDebtReportedByTheGroupHoldsDecisionsBack() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0, NEVER_STALE);
    view.synced(view.beginSync(), -5, 0);
    assertFalse(view.tryTake(1, LIMIT, 50 * MS, NEVER_STALE).allowed(), "5 owed, 5 refilled: still none");
    assertTrue(view.tryTake(1, LIMIT, 60 * MS, NEVER_STALE).allowed());
  }

  @Test
  void aFailedSyncOwesItsHitsAgain() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(4, LIMIT, 0, NEVER_STALE);
    long charged = view.beginSync();
    view.syncFailed(charged);
    assertEquals(4, view.owed());
    assertTrue(view.wantsSync(0, Long.MAX_VALUE), "the hits go with the next sync");
    assertEquals(4, view.beginSync());
  }

  @Test
  void onlyAFullViewThatOwesNothingIsForgotten() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(5, LIMIT, 0, NEVER_STALE);
    assertFalse(view.forgettable(1_000 * MS, 100 * MS), "it owes 5");
    view.synced(view.beginSync(), 5, 0);
    assertFalse(view.forgettable(20 * MS, 10 * MS), "not full yet");
    assertFalse(view.forgettable(60 * MS, 100 * MS), "full but used too recently");
    assertTrue(view.forgettable(200 * MS, 100 * MS));
  }

  @Test
  void aViewThatRefusesIsNotReadUntilItWouldAdmit() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0, NEVER_STALE);
    view.synced(view.beginSync(), -2, 0); // others drained it: 2 tokens owed
    assertFalse(view.wantsSync(20 * MS, 10 * MS), "still in debt by its own refill");
    assertTrue(view.wantsSync(30 * MS, 10 * MS), "a token is due: worth asking what is left");
  }

  @Test
  void aFreshViewIsReadOnceAnIntervalWithoutHits() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0, NEVER_STALE);
    view.synced(view.beginSync(), 9, 0);
    assertFalse(view.wantsSync(5 * MS, 10 * MS));
    assertTrue(view.wantsSync(10 * MS, 10 * MS));
    assertEquals(0, view.beginSync(), "a read charges nothing");
  }

  /**
   * A node whose syncs keep failing (cut off from its group) stops admitting once its oldest
   * unacknowledged hit is older than the bound, instead of admitting the refill on its own clock
   * for as long as the partition lasts; an acknowledged sync lets it admit again.
   */
  @Test
  void hitsUnacknowledgedPastTheBoundStopAdmission() {
    long bound = 100 * MS;
    BucketLimit big = BucketLimit.of(1_000, 100); // tokens to spare: only staleness refuses
    LocalBucketView view = new LocalBucketView(big, 0);
    assertTrue(view.tryTake(1, big, 0, bound).allowed());
    for (long t = 10 * MS; t <= 100 * MS; t += 10 * MS) {
      view.syncFailed(view.beginSync()); // the group cannot be reached
      assertTrue(view.tryTake(1, big, t, bound).allowed(), "within the bound at " + t);
    }
    view.syncFailed(view.beginSync());
    Decision refused = view.tryTake(1, big, 101 * MS, bound);
    assertFalse(refused.allowed(), "the first hit is 101 ms unacknowledged");
    assertTrue(refused.retryAfterMillis() > 0);

    long owed = view.beginSync();
    view.synced(owed, 5, 110 * MS); // the group answers again
    assertEquals(0, view.owed());
    assertTrue(view.tryTake(1, big, 110 * MS, bound).allowed());
  }

  @Test
  void aViewThatOwesNothingIsNeverStale() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0, 100 * MS);
    view.synced(view.beginSync(), 9, 5 * MS);
    assertTrue(view.tryTake(1, LIMIT, 3_600_000 * MS, 100 * MS).allowed(),
        "an old view of an unused key is within the bound (a fresh one would be assumed full)");
  }

  @Test
  void hitsAdmittedDuringASyncAreAsOldAsTheirFirst() {
    long bound = 100 * MS;
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0, bound);
    long charged = view.beginSync();
    view.tryTake(1, LIMIT, 50 * MS, bound); // admitted while the sync is in flight
    view.synced(charged, 8, 60 * MS);
    assertEquals(1, view.owed());
    assertTrue(view.tryTake(1, LIMIT, 140 * MS, bound).allowed(), "the owed hit is 90 ms old");
    view.syncFailed(view.beginSync());
    assertFalse(view.tryTake(1, LIMIT, 151 * MS, bound).allowed(), "and now 101 ms");
  }
}
