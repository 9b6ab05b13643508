package io.raftlimiter.server.control;

import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.peer.v1.MetadataGroup;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.ProbeRequest;
import io.raftlimiter.api.peer.v1.Replica;
import io.raftlimiter.server.config.PeerAddress;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The answering end of {@link PeerProbe}: tells another node's controller, or a node deciding
 * whether to found, what this node is and hosts. Its replicas come from {@link LocalReplicas},
 * the reading the operators' status takes its groups from too. Only nodes may call it (the node
 * role, like forwarding); operators read {@code NodeAdmin.Status}. Reads memory only and runs on
 * the transport's threads.
 */
public final class NodeProbeService extends NodeProbeGrpc.NodeProbeImplBase {
  private final String nodeId;
  private final StorageIdentity storage;
  private final List<String> clusterPeers;
  private final Supplier<Map<String, String>> memberStorageIds;
  private final Supplier<List<ReplicaState>> replicas;
  private final LongSupplier uptimeMillis;

  /**
   * @param clusterPeers this node's {@code cluster.peers}
   * @param memberStorageIds each member's storage id as this node's metadata records it
   * @param replicas the replicas this node hosts ({@link LocalReplicas#all})
   * @param uptimeMillis how long this node has run
   */
  public NodeProbeService(String nodeId, StorageIdentity storage, List<PeerAddress> clusterPeers,
      Supplier<Map<String, String>> memberStorageIds, Supplier<List<ReplicaState>> replicas,
      LongSupplier uptimeMillis) {
    this.nodeId = nodeId;
    this.storage = storage;
    this.clusterPeers = PeerListCheck.entries(clusterPeers);
    this.memberStorageIds = memberStorageIds;
    this.replicas = replicas;
    this.uptimeMillis = uptimeMillis;
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeReply> observer) {
    observer.onNext(reply());
    observer.onCompleted();
  }

  private ProbeReply reply() {
    return reply(nodeId, storage.id(), !storage.created(), clusterPeers, memberStorageIds.get(),
        replicas.get(), uptimeMillis.getAsLong());
  }

  /**
   * A probe's answer from what a node says of itself: how this node answers, and how a node of
   * a version without the probe is read from its status.
   *
   * @param clusterPeers {@code cluster.peers} as {@link PeerListCheck#entries} lists them
   */
  public static ProbeReply reply(String nodeId, String storageId, boolean storageReused,
      List<String> clusterPeers, Map<String, String> memberStorageIds,
      List<ReplicaState> replicas, long uptimeMillis) {
    ProbeReply.Builder reply = ProbeReply.newBuilder()
        .setNodeId(nodeId)
        .setUptimeMillis(uptimeMillis)
        .setStorageId(storageId)
        .setStorageReused(storageReused)
        .addAllClusterPeers(clusterPeers)
        .putAllMemberStorageIds(memberStorageIds);
    replicas.forEach(state -> reply.addReplicas(replica(state)));
    return reply.build();
  }

  private static Replica replica(ReplicaState state) {
    Replica.Builder replica = Replica.newBuilder()
        .setRole(state.role())
        .setTerm(state.term())
        .setConfigurationIndex(state.configurationIndex())
        .addAllPeerIds(state.peers())
        .addAllPreviousPeerIds(state.previousPeers());
    if (state.group() == HostedReplica.METADATA) {
      replica.setMetadataGroup(MetadataGroup.getDefaultInstance());
    } else {
      replica.setDataGroup(state.group());
    }
    return replica.build();
  }
}
