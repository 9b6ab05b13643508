package io.raftlimiter.server.eventual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import org.junit.jupiter.api.Test;

/** The EVENTUAL view's bookkeeping on a fake clock. */
class LocalBucketViewTest {
  private static final long MS = 1_000_000L;
  private static final BucketLimit LIMIT = BucketLimit.of(10, 100); // a token every 10 ms

  @Test
  void anUnknownKeyIsAssumedFullAndSpendsWhatItOwesNotTwice() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    for (int i = 0; i < 10; i++) {
      assertTrue(view.tryTake(1, LIMIT, 0).allowed());
    }
    assertFalse(view.tryTake(1, LIMIT, 0).allowed(), "10 owed out of 10");
    assertEquals(10, view.owed());
    assertEquals(10, view.beginSync());
    assertFalse(view.tryTake(1, LIMIT, 0).allowed(), "hits being synced still count");
    // a full view cannot refill past the capacity, so until the group has the hits the view errs
    // on the side of refusing
    assertFalse(view.tryTake(1, LIMIT, 10 * MS).allowed());
    view.synced(10, 0, 10 * MS);
    assertTrue(view.tryTake(1, LIMIT, 20 * MS).allowed(), "then it refills on the node's clock");
  }

  @Test
  void aSyncReplyReplacesTheViewWithTheGroupsState() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(3, LIMIT, 0);
    long charged = view.beginSync();
    view.tryTake(1, LIMIT, 0); // admitted while the sync is in flight
    // other nodes took 6 more: the group has 10 - 3 - 6 = 1 left after this charge
    view.synced(charged, 1, 0);
    assertEquals(1, view.owed(), "only the hit after the sync is still owed");
    assertFalse(view.tryTake(1, LIMIT, 0).allowed(), "1 left, 1 owed");
    assertTrue(view.tryTake(1, LIMIT, 10 * MS).allowed());
  }

  @Test
  void aDebtReportedByTheGroupHoldsDecisionsBack() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0);
    view.synced(view.beginSync(), -5, 0);
    assertFalse(view.tryTake(1, LIMIT, 50 * MS).allowed(), "5 owed, 5 refilled: still none");
    assertTrue(view.tryTake(1, LIMIT, 60 * MS).allowed());
  }

  @Test
  void aFailedSyncOwesItsHitsAgain() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(4, LIMIT, 0);
    long charged = view.beginSync();
    view.syncFailed(charged);
    assertEquals(4, view.owed());
    assertTrue(view.wantsSync(0, Long.MAX_VALUE), "the hits go with the next sync");
    assertEquals(4, view.beginSync());
  }

  @Test
  void onlyAFullViewThatOwesNothingIsForgotten() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(5, LIMIT, 0);
    assertFalse(view.forgettable(1_000 * MS, 100 * MS), "it owes 5");
    view.synced(view.beginSync(), 5, 0);
    assertFalse(view.forgettable(20 * MS, 10 * MS), "not full yet");
    assertFalse(view.forgettable(60 * MS, 100 * MS), "full but used too recently");
    assertTrue(view.forgettable(200 * MS, 100 * MS));
  }

  @Test
  void aViewThatRefusesIsNotReadUntilItWouldAdmit() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0);
    view.synced(view.beginSync(), -2, 0); // others drained it: 2 tokens owed
    assertFalse(view.wantsSync(20 * MS, 10 * MS), "still in debt by its own refill");
    assertTrue(view.wantsSync(30 * MS, 10 * MS), "a token is due: worth asking what is left");
  }

  @Test
  void aFreshViewIsReadOnceAnIntervalWithoutHits() {
    LocalBucketView view = new LocalBucketView(LIMIT, 0);
    view.tryTake(1, LIMIT, 0);
    view.synced(view.beginSync(), 9, 0);
    assertFalse(view.wantsSync(5 * MS, 10 * MS));
    assertTrue(view.wantsSync(10 * MS, 10 * MS));
    assertEquals(0, view.beginSync(), "a read charges nothing");
  }
}
