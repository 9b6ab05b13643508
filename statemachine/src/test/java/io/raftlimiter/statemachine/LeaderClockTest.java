package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A leader's stamps against wrong wall clocks, with both clocks injected. */
class LeaderClockTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L * S;
  private static final long ALLOWANCE = S;

  @Test
  void aClockThatJumpsAheadMovesStampsByTheAllowanceOnly() {
    LeaderClock clock = new LeaderClock(ALLOWANCE);
    clock.takeOffice(T0, 0);
    assertEquals(T0 + 2 * S, clock.next(T0 + 2 * S, 2 * S, T0), "a good clock is used as it is");
    // the wall clock jumps an hour ahead; the monotonic clock counts on
    assertEquals(T0 + 3 * S + ALLOWANCE, clock.next(T0 + 3_603 * S, 3 * S, T0));
    assertEquals(T0 + 10 * S + ALLOWANCE, clock.next(T0 + 3_610 * S, 10 * S, T0),
        "time advances at the monotonic clock's rate, not in jumps, entry after entry");
    assertEquals(3_600 * S, clock.lastSkewNanos(), "the skew is reported");
    assertEquals(2, clock.clampedStamps());
  }

  @Test
  void aClockThatJumpsBackDoesNotFreezeTime() {
    LeaderClock clock = new LeaderClock(ALLOWANCE);
    clock.takeOffice(T0, 0);
    assertEquals(T0 + 5 * S - ALLOWANCE, clock.next(T0 - 3_600 * S, 5 * S, T0));
    assertEquals(T0 + 6 * S - ALLOWANCE, clock.next(T0 - 3_599 * S, 6 * S, T0),
        "a slow clock still lets refill go on");
    assertEquals(-3_605 * S, clock.lastSkewNanos());
  }

  @Test
  void stampsNeverGoBelowTheFloorOrTheLastIssued() {
    LeaderClock clock = new LeaderClock(ALLOWANCE);
    clock.takeOffice(T0, 0);
    assertEquals(T0 + 50 * S, clock.next(T0 + S, S, T0 + 50 * S), "the floor: the last applied");
    assertEquals(T0 + 50 * S, clock.next(T0 + 2 * S, 2 * S, T0), "never below the last issued");
  }

  @Test
  void anIdleClusterSeesItsIdleTimePass() {
    LeaderClock clock = new LeaderClock(ALLOWANCE);
    // the last entry was applied here an hour ago (monotonic 0); this node takes office now
    clock.takeOffice(T0, 0);
    assertEquals(T0 + 3_600 * S, clock.next(T0 + 3_600 * S, 3_600 * S, T0));
    assertEquals(0, clock.clampedStamps());
  }

  @Test
  void leadersWithDriftingClocksStayWithinTheAllowanceOfEachOther() {
    // leader A's wall clock is 30 s ahead; B's is right. Leadership goes A, B, A, B...
    long monotonic = 0;
    long lastStamp = T0;
    LeaderClock a = new LeaderClock(ALLOWANCE);
    LeaderClock b = new LeaderClock(ALLOWANCE);
    for (int term = 0; term < 20; term++) {
      LeaderClock leader = term % 2 == 0 ? a : b;
      long skew = term % 2 == 0 ? 30 * S : 0;
      leader.takeOffice(lastStamp, monotonic);
      for (int entry = 0; entry < 10; entry++) {
        monotonic += S / 10;
        lastStamp = leader.next(T0 + monotonic + skew, monotonic, lastStamp);
      }
    }
    long ahead = lastStamp - (T0 + monotonic);
    assertTrue(ahead <= ALLOWANCE,
        "the fast leader gains at most the allowance: " + ahead / 1e9 + " s ahead of real time");
  }

  @Test
  void beforeTakingOfficeTheWallClockIsUsed() {
    LeaderClock clock = new LeaderClock(ALLOWANCE);
    assertEquals(T0 + 3_600 * S, clock.next(T0 + 3_600 * S, 0, T0));
    assertThrows(IllegalArgumentException.class, () -> new LeaderClock(-1));
  }
}
