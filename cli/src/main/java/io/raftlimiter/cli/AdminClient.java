package io.raftlimiter.cli;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Asks one node for its status; empty when it does not answer in time. */
final class AdminClient {
  private AdminClient() {}

  static Optional<NodeStatus> status(String clientAddress, ChannelCredentials credentials,
      long timeoutMillis) {
    ManagedChannel channel = Grpc.newChannelBuilder(clientAddress, credentials).build();
    try {
      return Optional.of(NodeAdminGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
          .status(StatusRequest.getDefaultInstance()));
    } catch (RuntimeException e) {
      return Optional.empty();
    } finally {
      channel.shutdownNow();
    }
  }
}
