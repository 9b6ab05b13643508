package io.raftlimiter.server.control;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a node stops, hands the leadership of every group it leads (data groups and the
 * metadata group) to a follower that is keeping up, so that the group goes on without waiting
 * an election timeout for the missing leader to be noticed. Ratis moves leadership only once the
 * heir's log has caught up, so nothing committed is lost; a group whose followers are all
 * silent, or whose transfer times out, is left to elect a leader the usual way.
 */
public final class LeadershipHandover {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipHandover.class);
  private static final AtomicLong CALL_IDS = new AtomicLong();

  private LeadershipHandover() {}

  /**
   * The followers to try as heirs, best first: those heard from within {@code freshMillis}, the
   * one that has run longest first, then the most recently heard from, then by id (so the choice
   * is the same for the same view). Uptime comes first because a node that started seconds ago
   * leads slowly: in a rolling restart on two cores, the heir restarted 4 s before took 65 ms
   * from winning its vote to its first leader state (classes loaded and code run for the first
   * time in its JVM), and the calls waited 224-225 ms in all; with heirs chosen by uptime, no
   * hand-over of eight such restarts left the calls waiting over 186 ms.
   *
   * @param lastHeardMillis how long ago each follower last answered the leader
   * @param uptimeMillis how long each node has run, by id, as far as known (absent: as 0)
   */
  static List<String> heirs(Map<String, Long> lastHeardMillis, Map<String, Long> uptimeMillis,
      long freshMillis) {
    List<String> heirs = new ArrayList<>();
    lastHeardMillis.forEach((peer, elapsed) -> {
      if (elapsed < freshMillis) {
        heirs.add(peer);
      }
    });
    heirs.sort(Comparator.<String>comparingLong(peer -> -uptimeMillis.getOrDefault(peer, 0L))
        .thenComparingLong(lastHeardMillis::get)
        .thenComparing(Comparator.naturalOrder()));
    return heirs;
  }

  /**
   * The groups in the order to hand them over: {@code first} before the others, which keep
   * their order.
   */
  static List<RaftGroupId> order(Iterable<RaftGroupId> groups, RaftGroupId first) {
    List<RaftGroupId> ordered = new ArrayList<>();
    for (RaftGroupId group : groups) {
      if (group.equals(first)) {
        ordered.add(0, group);
      } else {
        ordered.add(group);
      }
    }
    return ordered;
  }

  /**
   * Hands over every group {@code server} leads, one after the other, {@code first} first.
   * Never throws.
   *
   * @param first the group to hand over before the others: the metadata group, which no
   *     decision waits on, so that its election is over before the data groups' begin; handed
   *     over last, its election ran while the data group's new leader committed its first
   *     entry, on the same heir (node logs of a rolling restart on two cores)
   * @param uptimeMillis how long each other node has run, by id, as far as known ({@link #heirs})
   * @return the groups handed over
   */
  public static int handOver(RaftServer server, RaftGroupId first, Map<String, Long> uptimeMillis,
      long freshMillis, long timeoutMillis) {
    int handed = 0;
    for (RaftGroupId group : order(server.getGroupIds(), first)) {
      try {
        RaftServer.Division division = server.getDivision(group);
        if (!division.getInfo().isLeader()) {
          continue;
        }
        for (String heir : heirs(lastHeard(division.getInfo().getRoleInfoProto()),
            uptimeMillis, freshMillis)) {
          RaftClientReply reply = server.transferLeadershipAsync(new TransferLeadershipRequest(
                  ClientId.randomId(), server.getId(), group, CALL_IDS.incrementAndGet(),
                  RaftPeerId.valueOf(heir), timeoutMillis))
              .get(timeoutMillis + 1_000, TimeUnit.MILLISECONDS);
          if (reply.isSuccess()) {
            LOG.info("{}: leadership of {} handed to {} before stopping", server.getId(), group,
                heir);
            handed++;
            break;
          }
          LOG.info("{}: {} did not take the leadership of {}: {}", server.getId(), heir, group,
              reply.getException());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return handed;
      } catch (Exception e) { // a group that cannot be handed over elects a leader as usual
        LOG.warn("{}: leadership of {} not handed over: {}", server.getId(), group,
            e.toString());
      }
    }
    return handed;
  }

  /** How long ago each follower last answered, by peer id; empty when not the leader. */
  static Map<String, Long> lastHeard(RoleInfoProto role) {
    Map<String, Long> heard = new HashMap<>();
    if (role.hasLeaderInfo()) {
      for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
        heard.put(follower.getId().getId().toStringUtf8(), follower.getLastRpcElapsedTimeMs());
      }
    }
    return heard;
  }
}
