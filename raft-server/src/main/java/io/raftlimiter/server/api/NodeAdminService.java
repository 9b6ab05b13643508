package io.raftlimiter.server.api;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.admin.v1.ViewRequest;
import java.util.function.Supplier;

/** Answers {@code rlctl}'s questions about this node, and clients' about group leaders. */
public final class NodeAdminService extends NodeAdminGrpc.NodeAdminImplBase {
  private final Supplier<NodeStatus> status;
  private final Supplier<ClusterView> view;

  public NodeAdminService(Supplier<NodeStatus> status, Supplier<ClusterView> view) {
    this.status = status;
    this.view = view;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<NodeStatus> observer) {
    answer(observer, status, "status");
  }

  @Override
  public void view(ViewRequest request, StreamObserver<ClusterView> observer) {
    answer(observer, view, "view");
  }

  private static <T> void answer(StreamObserver<T> observer, Supplier<T> source, String what) {
    T current;
    try {
      current = source.get();
    } catch (RuntimeException e) {
      observer.onError(
          Status.UNAVAILABLE.withDescription(what + " unavailable: " + e).asRuntimeException());
      return;
    }
    observer.onNext(current);
    observer.onCompleted();
  }
}
