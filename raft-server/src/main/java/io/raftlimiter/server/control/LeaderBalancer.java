package io.raftlimiter.server.control;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.io.IOException;
import java.util.List;
import java.util.Map;
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
 * is not preferred for hands the leadership over, one group per tick, and only once every other
 * replica of the group, the preferred one included, has answered without a break for the settle
 * time. A transfer stops the group's writes until it completes, so it must not wait on a replica
 * that is down, far behind, or just back from a restart (still catching up, its JIT cold), nor
 * bounce leadership to one that comes and goes; and while any replica is away (a rolling
 * restart), moving leadership back to one that returned would only stop the writes once more
 * before the next node leaves. A node that is down for less than a tick may go unnoticed; a
 * restart of a node process takes longer.
 */
public final class LeaderBalancer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderBalancer.class);

  private final RaftServer server;
  private final DataGroups groups;
  private final long transferTimeoutMillis;
  private final SettledPeers settled;
  private final ScheduledExecutorService timer;

  /**
   * @param freshRpcMillis a replica that answered longer ago than this is not taken as up
   * @param settleMillis how long a preferred replica must have been up, by this node's samples,
   *     before it is handed leadership
   */
  public LeaderBalancer(RaftServer server, DataGroups groups, long intervalMillis,
      long freshRpcMillis, long settleMillis, long transferTimeoutMillis, CounterDataPoint taskFailures) {
    this.server = server;
    this.groups = groups;
    this.transferTimeoutMillis = transferTimeoutMillis;
    this.settled = new SettledPeers(freshRpcMillis, settleMillis);
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
        String groupKey = group.getGroupId().toString();
        List<String> others = group.getPeers().stream().map(p -> p.getId().toString())
            .filter(id -> !id.equals(server.getId().toString())).toList();
        if (!division.getInfo().isLeader()) {
          settled.forgetGroup(groupKey, others);
          continue;
        }
        Map<String, Long> lastHeard =
            LeadershipHandover.lastHeard(division.getInfo().getRoleInfoProto());
        if (!settled.allSettled(groupKey, others, lastHeard, System.nanoTime() / 1_000_000)) {
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


  @Override
  public void close() {
    timer.shutdownNow();
  }
}
