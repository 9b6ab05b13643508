package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Before a node founds anything, its {@code cluster.peers} must name the same nodes as its
 * peers' do. The ids decide everything founding does (the metadata group's founder is the first
 * id, data groups are placed by id), so a node whose list lacks one id would found a second
 * metadata group, and run a second controller, beside the one its peers formed. Only the ids are
 * compared: they, not the addresses, decide who founds what.
 *
 * <p>Only on a founding start: after nodes joined, the lists of old and new members differ by
 * design, and a node that is not founding formats nothing. Pure, over the answers of
 * {@link PeerStatuses}; a peer that did not answer (or reports no list) is not compared.
 */
public final class PeerListCheck {
  private PeerListCheck() {}

  /**
   * {@code peers} as a probe (and the operators' status) reports them:
   * {@code id=host:raft:client}, in id order.
   */
  public static List<String> entries(List<PeerAddress> peers) {
    return peers.stream().sorted(Comparator.comparing(PeerAddress::id, NodeIdOrder.INSTANCE))
        .map(peer -> PeerAddress.format(List.of(peer))).toList();
  }

  /**
   * Why this node must not found with {@code own}: the first answering peer whose list names
   * other ids, with both lists; empty when every answer agrees.
   */
  public static Optional<String> disagreement(String self, List<PeerAddress> own,
      Map<String, ProbeReply> answered) {
    List<String> ownIds = ids(entries(own));
    for (Map.Entry<String, ProbeReply> answer : answered.entrySet()) {
      List<String> theirs = answer.getValue().getClusterPeersList();
      // An empty list is a node of a version that does not report it: nothing to compare.
      if (!theirs.isEmpty() && !ids(theirs).equals(ownIds)) {
        return Optional.of("node " + self + " has " + NodeConfigKeys.PEERS.name() + "="
            + String.join(",", entries(own)) + " but node " + answer.getKey() + " has "
            + NodeConfigKeys.PEERS.name() + "=" + String.join(",", theirs)
            + ": founding on different lists would form a second metadata group; start every "
            + "node with the same " + NodeConfigKeys.PEERS.name());
      }
    }
    return Optional.empty();
  }

  private static List<String> ids(List<String> entries) {
    return entries.stream().map(entry -> entry.substring(0, Math.max(0, entry.indexOf('='))))
        .sorted(NodeIdOrder.INSTANCE).toList();
  }
}
