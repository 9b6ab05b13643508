package io.raftlimiter.server.control;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.security.NodeTransport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One round of status calls to the other peers, all at once, for the checks a node makes before
 * it formats founding replicas ({@link FoundingCheck}). A peer that does not answer in time is
 * left out: it may not listen yet, and the check counts who did answer.
 */
public final class PeerStatuses {
  private PeerStatuses() {}

  /** The statuses of the peers other than {@code self} that answered, by node id, in list order. */
  public static Map<String, NodeStatus> ask(String self, List<PeerAddress> peers,
      long timeoutMillis, NodeTransport transport) {
    List<ManagedChannel> channels = new ArrayList<>();
    Map<String, Future<NodeStatus>> pending = new LinkedHashMap<>();
    Map<String, NodeStatus> answered = new LinkedHashMap<>();
    try {
      for (PeerAddress peer : peers) {
        if (peer.id().equals(self)) {
          continue;
        }
        ManagedChannel channel =
            Grpc.newChannelBuilder(peer.clientAddress(), transport.toNodes()).build();
        channels.add(channel);
        pending.put(peer.id(), NodeAdminGrpc.newFutureStub(channel)
            .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance()));
      }
      for (Map.Entry<String, Future<NodeStatus>> answer : pending.entrySet()) {
        try {
          answered.put(answer.getKey(),
              answer.getValue().get(timeoutMillis + 200, TimeUnit.MILLISECONDS));
        } catch (ExecutionException | TimeoutException e) {
          // not listening yet, or gone: it tells us nothing
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
    return answered;
  }
}
