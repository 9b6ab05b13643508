package io.raftlimiter.server.data;

import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.PeerAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
  /** Replicas of the metadata group: enough to survive one failure, few enough to stay cheap. */
  public static final int META_REPLICAS = 3;

  private ClusterGroups() {}

  public static RaftGroupId metaGroupId() {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes("raftlimiter/meta".getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The metadata group's founding replicas: the first {@link #META_REPLICAS} nodes in
   * {@link NodeIdOrder} (all of them if fewer), so that nodes added later ("n10") sort after the
   * founding ones. The first of them founds the group alone and the controller adds the others;
   * after that the metadata records where the group is ({@link #metadataReplicas}).
   */
  public static RaftGroup metaGroup(List<PeerAddress> peers) {
    List<RaftPeer> members = peers.stream()
        .sorted(Comparator.comparing(PeerAddress::id, NodeIdOrder.INSTANCE))
        .limit(META_REPLICAS)
        .map(ClusterGroups::raftPeer)
        .toList();
    return RaftGroup.valueOf(metaGroupId(), members);
  }

  /**
   * The metadata group's replicas as {@code metadata} records them: where the controller last
   * moved it, or its founding replicas ({@link #metaGroup}) while it never moved.
   */
  public static List<String> metadataReplicas(ClusterMetadata metadata) {
    return metadata.metadataReplicas(NodeIdOrder.INSTANCE, META_REPLICAS);
  }

  public static RaftGroupId dataGroupId(int index) {
    return RaftGroupId.valueOf(
        UUID.nameUUIDFromBytes(("raftlimiter/data/" + index).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The cluster's data groups: group {@code i} on the {@code replication} nodes the placement
   * ring gives it, its preferred leader first.
   */
  public static List<RaftGroup> dataGroups(List<PeerAddress> peers, int groups, int replication) {
    Map<String, PeerAddress> byId = new HashMap<>();
    peers.forEach(p -> byId.put(p.id(), p));
    List<List<String>> placement = placement(peers, groups, replication);
    List<RaftGroup> result = new ArrayList<>(groups);
    for (int i = 0; i < groups; i++) {
      result.add(dataGroup(i, placement.get(i).stream().map(byId::get).toList()));
    }
    return result;
  }

  /**
   * The node ids of each group's replicas as the placement ring gives them among {@code peers},
   * the preferred leader (the group's founding replica) first.
   */
  public static List<List<String>> placement(List<PeerAddress> peers, int groups,
      int replication) {
    return new PlacementRing(peers.stream().map(PeerAddress::id).toList())
        .placement(groups, replication);
  }

  /** Data group {@code index} on {@code replicas}, in that order (the preferred leader first). */
  public static RaftGroup dataGroup(int index, List<PeerAddress> replicas) {
    return RaftGroup.valueOf(dataGroupId(index),
        replicas.stream().map(ClusterGroups::raftPeer).toList());
  }

  public static RaftPeer raftPeer(PeerAddress peer) {
    return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(peer.id()))
        .setAddress(peer.raftAddress()).build();
  }
}
