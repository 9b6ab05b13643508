package io.raftlimiter.server.control;

import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.security.NodeTransport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One round of {@link PeerProbe}s to other nodes, all at once: the controller's each tick, and
 * the founding checks' ({@link FoundingCheck}) before a node formats founding replicas. A node
 * that does not answer in time is left out: it may be dead, or not listen yet, and the callers
 * count who did answer.
 */
public final class PeerStatuses {
  /** How long past the calls' deadline an answer is waited for: the deadline ends the call. */
  private static final long GRACE_MILLIS = 200;

  private PeerStatuses() {}

  /** The answers of the {@code nodes} (by node id) that came in time, in the map's order. */
  public static Map<String, ProbeReply> ask(PeerProbe probe, Map<String, ? extends Channel> nodes,
      long timeoutMillis) throws InterruptedException {
    Deadline deadline = Deadline.after(timeoutMillis, TimeUnit.MILLISECONDS);
    Map<String, Future<ProbeReply>> pending = new LinkedHashMap<>();
    nodes.forEach((id, channel) -> pending.put(id, probe.probe(channel, deadline)));
    Map<String, ProbeReply> answered = new LinkedHashMap<>();
    for (Map.Entry<String, Future<ProbeReply>> answer : pending.entrySet()) {
      try {
        answered.put(answer.getKey(),
            answer.getValue().get(timeoutMillis + GRACE_MILLIS, TimeUnit.MILLISECONDS));
      } catch (ExecutionException | TimeoutException e) {
        // not listening (yet), gone, or refused: it tells us nothing this round
      }
    }
    return answered;
  }

  /**
   * The answers of the {@code peers} other than {@code self}, by node id, in list order, over
   * channels made for this round alone (the founding checks run a few rounds, once).
   */
  public static Map<String, ProbeReply> askPeers(String self, List<PeerAddress> peers,
      long timeoutMillis, NodeTransport transport, PeerProbe probe) {
    Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    try {
      for (PeerAddress peer : peers) {
        if (!peer.id().equals(self)) {
          channels.put(peer.id(),
              Grpc.newChannelBuilder(peer.clientAddress(), transport.toNodes()).build());
        }
      }
      return ask(probe, channels, timeoutMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    } finally {
      channels.values().forEach(ManagedChannel::shutdownNow);
    }
  }
}
