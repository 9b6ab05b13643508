package io.raftlimiter.server.control;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.security.NodeTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Before a node formats replicas on storage it has just made, asks the other nodes whether the
 * cluster already knows a storage of this node's id. If it does, the node lost its disk: the
 * replicas the configurations still count for it are gone, and an empty replica formatted under
 * them would vote and count towards majorities before it held what the old one had acknowledged
 * (two such votes can elect a leader missing committed decisions). So the node formats nothing,
 * and the controller takes its old replicas out and gives it fresh ones.
 *
 * <p>Nodes that do not answer in time count as not knowing: on a cluster's first start no node
 * knows any storage, and the others may not listen yet. A node that lost its disk while no other
 * node answers (the whole cluster down) is not caught here; the controller then finds its new
 * storage id and replaces its copies the same way, only later.
 */
public final class FormerStorageCheck {
  private FormerStorageCheck() {}

  /** The storage id some other node's metadata records for {@code self}, if any answers so. */
  public static Optional<String> recordedStorage(String self, List<PeerAddress> peers,
      long timeoutMillis, NodeTransport transport) {
    List<ManagedChannel> channels = new ArrayList<>();
    List<Future<NodeStatus>> answers = new ArrayList<>();
    try {
      for (PeerAddress peer : peers) {
        if (peer.id().equals(self)) {
          continue;
        }
        ManagedChannel channel =
            Grpc.newChannelBuilder(peer.clientAddress(), transport.toNodes()).build();
        channels.add(channel);
        answers.add(NodeAdminGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance()));
      }
      for (Future<NodeStatus> answer : answers) {
        try {
          String recorded = answer.get(timeoutMillis + 200, TimeUnit.MILLISECONDS)
              .getMemberStorageIdsMap().get(self);
          if (recorded != null) {
            return Optional.of(recorded);
          }
        } catch (ExecutionException | TimeoutException e) {
          // not listening yet, or gone: it knows nothing we can use
        }
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
