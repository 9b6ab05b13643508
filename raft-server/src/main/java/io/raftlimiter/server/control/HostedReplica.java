package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.Replica;
import java.util.List;
import java.util.Set;

/**
 * What one live node reported, in its last probe, about a replica it hosts (of a data group, or
 * of the metadata group: {@link #METADATA}): its role and term, and the group's configuration as
 * that replica knows it.
 *
 * @param configurationIndex the log index of the configuration the replica holds: configurations
 *     of one group are ordered by it, across copies that have drifted apart
 * @param peers the voters of the configuration the replica holds
 * @param previousPeers the voters of the configuration being replaced while a change is in
 *     progress (joint consensus), empty once the configuration is stable
 * @param failed the replica has stopped (Ratis closes a replica whose state machine threw): its
 *     copy is counted as lost, to be replaced, and deleted once outside the configuration
 */
public record HostedReplica(String node, int group, boolean leader, long term,
    long configurationIndex, Set<String> peers, Set<String> previousPeers, boolean failed) {
  /** The {@code group} of a replica of the metadata group (data groups count from 0). */
  public static final int METADATA = -1;

  public HostedReplica {
    peers = Set.copyOf(peers);
    previousPeers = Set.copyOf(previousPeers);
  }

  /** A replica that is running. */
  public HostedReplica(String node, int group, boolean leader, long term,
      long configurationIndex, Set<String> peers, Set<String> previousPeers) {
    this(node, group, leader, term, configurationIndex, peers, previousPeers, false);
  }

  /**
   * The replicas {@code node} reported in its probe. The planner asks only whether a replica
   * leads and whether it has stopped; any other role, a role this version does not know among
   * them, is neither. A replica of a kind of group this version does not know is left out.
   */
  public static List<HostedReplica> reported(String node, ProbeReply reply) {
    return reply.getReplicasList().stream()
        .filter(replica -> replica.getGroupCase() != Replica.GroupCase.GROUP_NOT_SET)
        .map(replica -> new HostedReplica(node,
            replica.hasMetadataGroup() ? METADATA : replica.getDataGroup(),
            replica.getRole() == Replica.Role.LEADER, replica.getTerm(),
            replica.getConfigurationIndex(), Set.copyOf(replica.getPeerIdsList()),
            Set.copyOf(replica.getPreviousPeerIdsList()),
            replica.getRole() == Replica.Role.FAILED))
        .toList();
  }

  boolean changing() {
    return !previousPeers.isEmpty();
  }
}
