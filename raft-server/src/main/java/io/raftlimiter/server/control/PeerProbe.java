package io.raftlimiter.server.control;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.ProbeRequest;

/**
 * How this node asks another what it is and hosts: the question the controller asks every member
 * each tick, and a node on new storage asks its founding peers ({@link PeerStatuses}). A node
 * that answers is alive. An interface so that the node can hand the control plane a probe that
 * also reaches nodes of an older version, without the control plane knowing the operators' API.
 */
@FunctionalInterface
public interface PeerProbe {
  /** {@code NodeProbe.Probe} alone: for a cluster whose nodes all serve it. */
  PeerProbe NODE_PROBE = (node, deadline) -> NodeProbeGrpc.newFutureStub(node)
      .withDeadline(deadline).probe(ProbeRequest.getDefaultInstance());

  /** Asks {@code node}; the answer fails if none came by {@code deadline}. */
  ListenableFuture<ProbeReply> probe(Channel node, Deadline deadline);
}
