package io.raftlimiter.server;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.Replica;
import io.raftlimiter.server.control.HostedReplica;
import io.raftlimiter.server.control.NodeProbeService;
import io.raftlimiter.server.control.PeerProbe;
import io.raftlimiter.server.control.ReplicaState;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code NodeProbe.Probe}, and for a node of a version before it, which answers UNIMPLEMENTED,
 * {@code NodeAdmin.Status} read as a probe reply: a rolling upgrade. Without it a controller
 * already upgraded would take every node not yet upgraded for silent, mark it dead after
 * {@code cluster.dead-after-ms}, and move its replicas away while it serves, and a node on new
 * storage would wait to found until its peers were upgraded. The status call shares the probe's
 * deadline, so an old node is judged in the same time as a new one. Any other failure is no
 * answer, as before.
 *
 * <p>Lives with the node's wiring, not in the control plane, which knows only {@link PeerProbe}.
 * It can go, with {@link PeerProbe#NODE_PROBE} taking its place, one release after NodeProbe
 * came, when no node of an earlier version can be in the cluster.
 */
final class ProbeWithStatusFallback implements PeerProbe {
  @Override
  public ListenableFuture<ProbeReply> probe(Channel node, Deadline deadline) {
    return Futures.catchingAsync(NODE_PROBE.probe(node, deadline), StatusRuntimeException.class,
        refused -> refused.getStatus().getCode() != Status.Code.UNIMPLEMENTED
            ? Futures.immediateFailedFuture(refused)
            : Futures.transform(NodeAdminGrpc.newFutureStub(node).withDeadline(deadline)
                .status(StatusRequest.getDefaultInstance()), ProbeWithStatusFallback::reply,
                MoreExecutors.directExecutor()),
        MoreExecutors.directExecutor());
  }

  /** What the probe reads of an older node's status: the fields it took them from. */
  static ProbeReply reply(NodeStatus status) {
    List<ReplicaState> replicas = new ArrayList<>();
    if (status.hasMetadataGroup()) {
      replicas.add(replica(HostedReplica.METADATA, status.getMetadataGroup()));
    }
    status.getGroupsList().forEach(group -> replicas.add(replica(group.getIndex(), group)));
    return NodeProbeService.reply(status.getNodeId(), status.getStorageId(),
        status.getStorageReused(), status.getClusterPeersList(),
        status.getMemberStorageIdsMap(), replicas, status.getUptimeMillis());
  }

  private static ReplicaState replica(int group, GroupStatus status) {
    return new ReplicaState(group, role(status.getRole()), status.getTerm(),
        status.getLeaderId(), status.getAppliedIndex(), status.getCommitIndex(),
        status.getConfigurationIndex(), status.getPeerIdsList(),
        status.getPreviousPeerIdsList());
  }

  /** The status names roles by the typed role's names; any other name is UNKNOWN. */
  private static Replica.Role role(String name) {
    try {
      Replica.Role role = Replica.Role.valueOf(name);
      return role == Replica.Role.UNRECOGNIZED ? Replica.Role.UNKNOWN : role;
    } catch (IllegalArgumentException e) {
      return Replica.Role.UNKNOWN;
    }
  }
}
