package io.raftlimiter.server;

import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.data.LeaderChase;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's Raft machinery, for the tests and the in-process harness ({@code LocalCluster}) that
 * look beneath what a node reports: they wait for leaders, read replicas' logs and configurations,
 * and move leaderships by hand. Kept off {@link RaftNode} so that its own methods are the ones a
 * program that runs a node uses; operators see the same through {@code NodeAdmin.Status}.
 */
public final class NodeInternals {
  private static final Logger LOG = LoggerFactory.getLogger(NodeInternals.class);

  private final RaftServer raftServer;
  private final DataGroups groups;

  NodeInternals(RaftServer raftServer, DataGroups groups) {
    this.raftServer = raftServer;
    this.groups = groups;
  }

  public RaftServer raftServer() {
    return raftServer;
  }

  /** Whether this node leads data group {@code index} now. */
  public boolean isLeader(int index) {
    return groups.leads(index);
  }

  /** The id of data group 0 (the only one in a single-group cluster). */
  public RaftGroupId groupId() {
    return groups.all().get(0).getGroupId();
  }

  /** The peers of data group 0. */
  public List<RaftPeer> groupPeers() {
    return List.copyOf(groups.all().get(0).getPeers());
  }

  /**
   * Hands the leadership of data group {@code index} to node {@code target} (a replica of it) and
   * waits up to {@code timeout} for it to take over. Calls in flight meanwhile are not failed: an
   * entry refused by the outgoing leader follows the leadership ({@link LeaderChase}).
   *
   * @return whether {@code target} leads the group now; false when the transfer did not take
   *     (an election chose another leader meanwhile, the target lagged or timed out)
   */
  public boolean transferLeadership(int index, String target, Duration timeout) throws IOException {
    try {
      return groups.client(index).admin()
          .transferLeadership(RaftPeerId.valueOf(target), timeout.toMillis()).isSuccess();
    } catch (TransferLeadershipException e) {
      LOG.info("node {}: leadership of group {} not handed to {}: {}", raftServer.getId(), index,
          target, e.getMessage());
      return false;
    }
  }
}
