package io.raftlimiter.server.data;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ratis' gRPC log appender, which also sends the snapshot to a follower whose next index is the
 * start of the leader's purged log ({@link SnapshotCatchUp}); everything else is Ratis' own.
 */
final class CatchUpLogAppender extends GrpcLogAppender {
  private static final Logger LOG = LoggerFactory.getLogger(CatchUpLogAppender.class);

  CatchUpLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
    super(server, leaderState, follower);
  }

  @Override
  public SnapshotInfo shouldInstallSnapshot() {
    SnapshotInfo ratisChoice = super.shouldInstallSnapshot();
    if (ratisChoice != null) {
      return ratisChoice;
    }
    FollowerInfo follower = getFollower();
    RaftLog log = getRaftLog();
    long next = follower.getNextIndex();
    if (next != log.getStartIndex()) {
      return null; // the common case, asked on every round of the appender: nothing to read
    }
    SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
    boolean needed = SnapshotCatchUp.needed(next, follower.getSnapshotIndex(),
        log.getStartIndex(), log.getNextIndex(), next > 0 && log.getTermIndex(next - 1) != null,
        snapshot == null ? -1 : snapshot.getIndex());
    if (!needed) {
      return null;
    }
    LOG.info("{}: {} needs entry {} next, where this log starts, and the entry before it was "
        + "purged: sending snapshot {} instead", getServer().getMemberId(), follower.getName(),
        next, snapshot.getTermIndex());
    return snapshot;
  }
}
