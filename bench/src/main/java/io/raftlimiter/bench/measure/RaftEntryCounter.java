package io.raftlimiter.bench.measure;

import io.grpc.Channel;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Counts the Raft log entries the data groups committed, from the nodes' own status: per group
 * the highest commit index any node reports, summed over the groups. A phase's entries are the
 * difference of two counts, so decisions per entry (the figure that decides STRONG's cost) is
 * measured rather than inferred. The count includes the entries every mode makes (EVENTUAL
 * charges, lease grants) and a new leader's first entry; heartbeats are not entries.
 */
public final class RaftEntryCounter {
  private final List<? extends Channel> nodes;

  /** Over {@code nodes}, a channel to each node's client port (owned by the caller). */
  public RaftEntryCounter(List<? extends Channel> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Entries committed so far over all data groups, or -1 when no node answered. */
  public long committedEntries() {
    Map<Integer, Long> highest = new HashMap<>();
    boolean answered = false;
    for (Channel channel : nodes) {
      NodeStatus status;
      try {
        status = NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
            .status(StatusRequest.getDefaultInstance());
      } catch (RuntimeException e) {
        continue; // a node down (a failover phase): the others still know the groups' progress
      }
      answered = true;
      for (GroupStatus group : status.getGroupsList()) {
        highest.merge(group.getIndex(), group.getCommitIndex(), Math::max);
      }
    }
    return answered ? sum(highest) : -1;
  }

  private static long sum(Map<Integer, Long> highest) {
    long sum = 0;
    for (long index : highest.values()) {
      sum += index;
    }
    return sum;
  }
}
