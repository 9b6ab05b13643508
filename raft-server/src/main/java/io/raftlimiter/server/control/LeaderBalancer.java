package io.raftlimiter.server.control;

import com.codahale.metrics.Counter;
import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads leadership over nodes. Ratis elects whichever replica times out first, so without help
 * one node tends to lead most groups and does most of the work. Each group's placement names a
 * preferred leader (its first replica, spread evenly by the ring); a node that leads a group it
 * is not preferred for hands the leadership over, one group per tick, and only to a preferred
 * replica that has answered recently — a transfer stops the group's writes until it completes,
 * so it must not wait on a replica that is down or far behind.
 */
public final class LeaderBalancer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderBalancer.class);

  private final RaftServer server;
  private final DataGroups groups;
  private final long freshRpcMillis;
  private final long transferTimeoutMillis;
  private final ScheduledExecutorService timer;

  public LeaderBalancer(RaftServer server, DataGroups groups, long intervalMillis, long freshRpcMillis,
      long transferTimeoutMillis, Counter taskFailures) {
    this.server = server;
    this.groups = groups;
    this.freshRpcMillis = freshRpcMillis;
    this.transferTimeoutMillis = transferTimeoutMillis;
    this.timer = DaemonThreads.timer(server.getId() + "-leader-balancer");
    DaemonThreads.every(timer, "balance leaders", intervalMillis, intervalMillis,
        TimeUnit.MILLISECONDS, taskFailures, this::balanceOne);
  }

  private void balanceOne() {
    try {
      List<RaftGroup> all = groups.all();
      for (int index = 0; index < all.size(); index++) {
        RaftGroup group = all.get(index);
        RaftPeerId preferred = group.getPeers().iterator().next().getId();
        if (preferred.equals(server.getId()) || group.getPeer(server.getId()) == null) {
          continue;
        }
        RaftServer.Division division = server.getDivision(group.getGroupId());
        if (!division.getInfo().isLeader() || !recentlyHeardFrom(division, preferred)) {
          continue;
        }
        RaftClient client = groups.client(index);
        RaftClientReply reply = client.admin().transferLeadership(preferred, transferTimeoutMillis);
        LOG.info("{}: leadership of {} handed to its preferred leader {}: {}", server.getId(),
            group.getGroupId(), preferred, reply.isSuccess() ? "done" : reply.getException());
        return; // one group per tick
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("{}: leader balancing skipped a round: {}", server.getId(), e.toString());
    }
  }

  private boolean recentlyHeardFrom(RaftServer.Division division, RaftPeerId peer) {
    Long elapsed = LeadershipHandover.lastHeard(division.getInfo().getRoleInfoProto())
        .get(peer.toString());
    return elapsed != null && elapsed < freshRpcMillis;
  }


  @Override
  public void close() {
    timer.shutdownNow();
  }
}
