package io.raftlimiter.server.data;

/**
 * Whether a leader must send a follower its snapshot in a case Ratis 3.2 leaves out: the
 * follower's next index is exactly the start of the leader's purged log, and the entry before it
 * is neither in the log nor the snapshot's last one. Ratis installs a snapshot only when the next
 * index lies below the log start; here it tries an append instead, cannot name the entry the
 * append follows, and its appender for that follower dies ({@code LogAppenderBase} asserts the
 * previous entry is known). The follower then stays behind for as long as that leader leads, and
 * under any leader with the same log start.
 *
 * <p>How it happens: a log segment closes when the term changes, on every replica at the same
 * index. A replica down across the change (typically the old leader) comes back with its log
 * ending right there; if meanwhile a snapshot let the new leader purge that closed segment, its
 * log starts at the returning replica's next index. {@code SnapshotInstallTest} builds the case.
 *
 * <p>Pure: the leader's appender asks it with what it reads from its log, its snapshot and the
 * follower's progress ({@link CatchUpLogAppender}).
 */
final class SnapshotCatchUp {
  private SnapshotCatchUp() {}

  /**
   * @param followerNext the index the leader would send the follower next
   * @param followerSnapshot the last index of the snapshot the leader installed on the follower
   *     (Ratis starts it at 0): an append right after it needs no previous entry
   * @param logStart the first index of the leader's log
   * @param logNext the index the leader's log appends next
   * @param previousInLog whether the entry before {@code followerNext} is in the leader's log
   * @param snapshot the last index of the leader's latest snapshot, or -1 when it has none
   */
  static boolean needed(long followerNext, long followerSnapshot, long logStart, long logNext,
      boolean previousInLog, long snapshot) {
    return followerNext > 0
        && followerNext < logNext
        && followerNext == logStart
        && !previousInLog
        && followerSnapshot + 1 != followerNext
        && snapshot >= followerNext;
  }
}
