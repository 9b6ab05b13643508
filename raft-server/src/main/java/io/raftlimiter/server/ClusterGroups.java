package io.raftlimiter.server;

import io.raftlimiter.server.config.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Names the Raft groups of a cluster. Group ids are derived from the group's index, so every node
 * computes the same ids without coordination and a restarted node finds its storage again.
 */
public final class ClusterGroups {
  private ClusterGroups() {}

  public static RaftGroupId dataGroupId(int index) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("raftlimiter/data/" + index).getBytes(StandardCharsets.UTF_8)));
  }

  /** The single data group of a one-group cluster, replicated on {@code peers}. */
  public static RaftGroup dataGroup(List<PeerAddress> peers) {
    return RaftGroup.valueOf(dataGroupId(0), peers.stream()
        .map(p -> RaftPeer.newBuilder().setId(RaftPeerId.valueOf(p.id())).setAddress(p.raftAddress()).build())
        .toList());
  }
}
