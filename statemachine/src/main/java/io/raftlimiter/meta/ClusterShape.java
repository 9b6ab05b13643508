package io.raftlimiter.meta;

import java.util.List;

/**
 * What a cluster was created with: its members ({@code id=host:raftPort:clientPort}, as the
 * nodes' {@code cluster.peers} setting lists them), its number of data groups and its replication
 * factor. Every node derives the same placement from it.
 */
public record ClusterShape(List<String> members, int groups, int replication) {
  public ClusterShape {
    members = List.copyOf(members);
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a cluster has at least one member");
    }
    if (groups < 1 || replication < 1) {
      throw new IllegalArgumentException(
          "groups and replication must be >= 1, got " + groups + " and " + replication);
    }
  }
}
