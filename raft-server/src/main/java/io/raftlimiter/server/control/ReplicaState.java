package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.Replica;
import java.util.List;

/**
 * What a replica this node hosts says of itself and of its group, as {@link LocalReplicas} read
 * it. The control plane's probe and the operators' status both report from it, so the two never
 * tell a replica's role or configuration apart.
 *
 * @param group a data group's index, or {@link HostedReplica#METADATA}
 * @param leaderId the node id of the leader the replica knows; empty when it knows none
 * @param configurationIndex the log index of the configuration the replica holds
 * @param peers the voters of that configuration
 * @param previousPeers the voters of the configuration being replaced while a change is in
 *     progress (joint consensus); empty otherwise
 */
public record ReplicaState(int group, Replica.Role role, long term, String leaderId,
    long appliedIndex, long commitIndex, long configurationIndex, List<String> peers,
    List<String> previousPeers) {
  public ReplicaState {
    peers = List.copyOf(peers);
    previousPeers = List.copyOf(previousPeers);
  }

  /** Whether the replica runs: Ratis has not stopped it and its state could be read. */
  public boolean running() {
    return role != Replica.Role.FAILED && role != Replica.Role.UNKNOWN;
  }
}
