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
 */
public record HostedReplica(String node, int group, boolean leader, long term,
    long configurationIndex, Set<String> peers, Set<String> previousPeers) {
  /** The {@code group} of a replica of the metadata group (data groups count from 0). */
  public static final int METADATA = -1;

  public HostedReplica {
    peers = Set.copyOf(peers);
    previousPeers = Set.copyOf(previousPeers);
  }

  boolean changing() {
    return !previousPeers.isEmpty();
  }
}
