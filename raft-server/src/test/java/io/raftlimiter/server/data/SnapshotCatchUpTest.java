package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SnapshotCatchUpTest {
  // The case CI met: the leader's log starts at 155 (the segment up to 154 was purged after a
  // snapshot at 204), and the returning follower needs 155 next.
  private static final long START = 155;
  private static final long NEXT = 216;
  private static final long SNAPSHOT = 204;

  @Test
  void aFollowerNeedingTheFirstEntryOfAPurgedLogGetsTheSnapshot() {
    assertTrue(SnapshotCatchUp.needed(START, 0, START, NEXT, false, SNAPSHOT));
  }

  @Test
  void aFollowerFurtherOnIsAppendedTo() {
    assertFalse(SnapshotCatchUp.needed(START + 1, 0, START, NEXT, true, SNAPSHOT));
  }

  @Test
  void aFollowerBelowTheLogStartIsRatisOwnCase() {
    assertFalse(SnapshotCatchUp.needed(START - 10, 0, START, NEXT, false, SNAPSHOT));
  }

  @Test
  void anAppendRightAfterTheLeadersSnapshotNeedsNone() {
    // The previous entry is the snapshot's last: Ratis names it from the snapshot.
    assertFalse(SnapshotCatchUp.needed(START, 0, START, NEXT, false, START - 1));
  }

  @Test
  void anAppendRightAfterASnapshotInstalledOnTheFollowerNeedsNone() {
    assertFalse(SnapshotCatchUp.needed(START, START - 1, START, NEXT, false, SNAPSHOT));
  }

  @Test
  void anUnpurgedLogOrAFollowerWithNothingToReceiveNeedsNone() {
    assertFalse(SnapshotCatchUp.needed(START, 0, START, NEXT, true, SNAPSHOT));
    assertFalse(SnapshotCatchUp.needed(NEXT, 0, NEXT, NEXT, false, SNAPSHOT));
    assertFalse(SnapshotCatchUp.needed(0, 0, 0, NEXT, false, SNAPSHOT));
  }
}
