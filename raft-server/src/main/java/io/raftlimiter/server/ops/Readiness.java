package io.raftlimiter.server.ops;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a node is ready to serve, from its status: it has loaded the cluster's metadata, and
 * every group it hosts has a leader it knows (so STRONG decisions can commit, and LEASED and
 * EVENTUAL ones can sync). A group that lost its quorum has no leader after an election timeout,
 * so a node cut off with a minority turns unready. Pure.
 *
 * @param reasons why it is not ready; empty when it is
 */
public record Readiness(boolean ready, List<String> reasons) {
  public Readiness {
    reasons = List.copyOf(reasons);
  }

  public static Readiness of(NodeStatus status) {
    List<String> reasons = new ArrayList<>();
    if (status.getMetadataVersion() <= 0) {
      reasons.add("the cluster's metadata is not loaded yet"
          + (status.getMetadataProblem().isEmpty() ? "" : ": " + status.getMetadataProblem()));
    }
    for (GroupStatus group : status.getGroupsList()) {
      if (group.getLeaderId().isEmpty()) {
        reasons.add("group " + group.getIndex() + " has no leader (" + group.getRole()
            .toLowerCase(java.util.Locale.ROOT) + " in term " + group.getTerm() + ")");
      }
    }
    return new Readiness(reasons.isEmpty(), reasons);
  }
}
