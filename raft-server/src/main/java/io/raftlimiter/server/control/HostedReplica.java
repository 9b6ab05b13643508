package io.raftlimiter.server.control;

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
  /**
   * The role a node's status gives a replica that has stopped, beside Ratis' own roles (LEADER,
   * FOLLOWER, CANDIDATE, LISTENER).
   */
  public static final String FAILED_ROLE = "FAILED";

  public HostedReplica {
    peers = Set.copyOf(peers);
    previousPeers = Set.copyOf(previousPeers);
  }

  /** A replica that is running. */
  public HostedReplica(String node, int group, boolean leader, long term,
      long configurationIndex, Set<String> peers, Set<String> previousPeers) {
    this(node, group, leader, term, configurationIndex, peers, previousPeers, false);
  }

  boolean changing() {
    return !previousPeers.isEmpty();
  }
}
