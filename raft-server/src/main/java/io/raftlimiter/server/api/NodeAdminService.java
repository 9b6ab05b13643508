package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import java.util.function.Supplier;

/** Answers {@code rlctl}'s questions about this node. */
public final class NodeAdminService extends NodeAdminGrpc.NodeAdminImplBase {
  private final Supplier<NodeStatus> status;

  public NodeAdminService(Supplier<NodeStatus> status) {
    this.status = status;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<NodeStatus> observer) {
    NodeStatus current;
    try {
      current = status.get();
    } catch (RuntimeException e) {
      observer.onError(Status.UNAVAILABLE.withDescription("status unavailable: " + e).asRuntimeException());
      return;
    }
    observer.onNext(current);
    observer.onCompleted();
  }
}
