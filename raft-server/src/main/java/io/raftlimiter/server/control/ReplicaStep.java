package io.raftlimiter.server.control;

import java.util.List;

/**
 * One thing the replica controller does to bring a group's replicas to where they belong. A
 * {@code group} is a data group's index, or {@link HostedReplica#METADATA} for the metadata group.
 */
public sealed interface ReplicaStep {

  /**
   * The group's configuration changed without the metadata recording it (the controller died or
   * timed out between the two): the metadata takes the configuration the group actually has.
   */
  record Record(int group, List<String> replicas) implements ReplicaStep {
    public Record {
      replicas = List.copyOf(replicas);
    }
  }

  /**
   * Changes the group's configuration from {@code from} (what its leader reports now) to
   * {@code to}. Only the nodes in {@code format} get a fresh replica first; none of them is in
   * {@code from}, so no voter's data is ever wiped.
   *
   * @param leader the node that leads the group now; its leadership is handed to a replica that
   *     stays before the change when it is being taken out
   */
  record Move(int group, List<String> from, List<String> to, List<String> format, String leader)
      implements ReplicaStep {
    public Move {
      from = List.copyOf(from);
      to = List.copyOf(to);
      format = List.copyOf(format);
    }
  }

  /** A live node hosts a replica its group's leader no longer counts: the copy is deleted. */
  record DropStray(String node, int group) implements ReplicaStep {}

  /**
   * The metadata takes {@code storageId} as {@code node}'s storage: the first id a member
   * reports, or the new one of a member that lost its disk once none of its old replicas is
   * left in any configuration.
   */
  record RecordStorage(String node, String storageId) implements ReplicaStep {}
}
