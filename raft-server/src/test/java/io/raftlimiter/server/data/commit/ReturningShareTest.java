package io.raftlimiter.server.data.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReturningShareTest {
  @Test
  void atFirstAHoldWaitsForEveryAnsweredCallerAndKeepsDoingSoWhileTheyAllCome() {
    ReturningShare share = new ReturningShare();
    assertEquals(3 + 40, share.target(3, 40));
    share.reached();
    assertEquals(3 + 40, share.target(3, 40));
  }

  @Test
  void aHoldThatRanOutMakesTheNextWaitForALittleLessThanCameInIt() {
    ReturningShare share = new ReturningShare();
    share.ranOut(30, 40); // three in four came: the next wait for 0.9 x 0.75 of a batch
    assertEquals(0.675, share.share(), 1e-9);
    assertEquals(27, share.target(0, 40));
    share.ranOut(0, 40);
    assertEquals(ReturningShare.FLOOR, share.share(), 1e-9, "still waits for some");
    assertEquals(1, share.target(0, 4), "for one at least");
  }

  @Test
  void aReachedShareCreepsBackTowardsAll() {
    ReturningShare share = new ReturningShare();
    share.ranOut(20, 40);
    double before = share.share();
    for (int i = 0; i < 100; i++) {
      share.reached();
    }
    assertTrue(share.share() > 0.99 && before < 0.5, before + " -> " + share.share());
  }

  @Test
  void aHoldThatRanOutShortOfAStragglerOrTwoTeachesNothing() {
    ReturningShare share = new ReturningShare();
    share.ranOut(63, 64);
    share.ranOut(98, 100);
    assertEquals(1.0, share.share(), 1e-9);
    assertEquals(64, share.target(0, 64));
  }
}
