package io.raftlimiter.server.ops;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.peer.v1.Replica;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a node is ready to serve, from its status: it has loaded the cluster's metadata and
 * reports no problem with it (such as settings not yet compared with the cluster's shape), and
 * every group it hosts has a leader it knows (so STRONG decisions can commit, and LEASED and
 * EVENTUAL ones can sync). A group that lost its quorum has no leader after an election timeout,
 * so a node cut off with a minority turns unready; and none of its replicas has stopped (a
 * failed replica still counts as hosted by Ratis, but serves nothing). Pure.
 *
 * @param reasons why it is not ready; empty when it is
 */
public record Readiness(boolean ready, List<String> reasons) {
  /** The role the status names a stopped replica by: the typed role's name, as for every role. */
  private static final String FAILED = Replica.Role.FAILED.name();

  public Readiness {
    reasons = List.copyOf(reasons);
  }

  public static Readiness of(NodeStatus status) {
    List<String> reasons = new ArrayList<>();
    if (status.getMetadataVersion() <= 0) {
      reasons.add("the cluster's metadata is not loaded yet"
          + (status.getMetadataProblem().isEmpty() ? "" : ": " + status.getMetadataProblem()));
    } else if (!status.getMetadataProblem().isEmpty()) {
      reasons.add(status.getMetadataProblem());
    }
    if (status.getMetadataGroup().getRole().equals(FAILED)) {
      reasons.add(failed("the metadata group"));
    }
    for (GroupStatus group : status.getGroupsList()) {
      if (group.getRole().equals(FAILED)) {
        reasons.add(failed("group " + group.getIndex()));
      } else if (group.getLeaderId().isEmpty()) {
        reasons.add("group " + group.getIndex() + " has no leader (" + group.getRole()
            .toLowerCase(java.util.Locale.ROOT) + " in term " + group.getTerm() + ")");
      }
    }
    return new Readiness(reasons.isEmpty(), reasons);
  }

  private static String failed(String group) {
    return "the replica of " + group + " on this node has stopped (its state machine failed, see"
        + " the node's log); the controller replaces it";
  }
}
