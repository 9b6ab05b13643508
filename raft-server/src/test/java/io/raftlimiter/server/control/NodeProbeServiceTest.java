package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.ProbeRequest;
import io.raftlimiter.api.peer.v1.Replica;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.data.ClusterGroups;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.Test;

/**
 * What a node answers the control plane's probe, read from its Ratis server as
 * {@link LocalReplicas} reads it: each replica with the role the controller plans by (a leader
 * as LEADER, a replica Ratis stopped as FAILED whatever its last role), its group (the metadata
 * group's replica told apart from the data groups'), term and configuration, and the node's
 * identity, storage and founding list. Ratis' server is stood in for by proxies that answer only
 * what the reading asks; a question they do not expect reads as UNKNOWN and fails the test.
 */
class NodeProbeServiceTest {
  private static final List<PeerAddress> PEERS =
      PeerAddress.parseList("n1=h:1:2,n2=h:3:4,n3=h:5:6,n4=h:7:8");

  @Test
  void everyHostedReplicaIsReportedWithItsGroupRoleTermAndConfiguration() {
    Map<RaftGroupId, RaftServer.Division> hosted = new HashMap<>();
    hosted.put(ClusterGroups.metaGroupId(),
        division(true, RaftPeerRole.FOLLOWER, 4, 12, List.of("n1", "n2", "n3"), List.of()));
    hosted.put(ClusterGroups.dataGroupId(0), division(true, RaftPeerRole.LEADER, 7, 30,
        List.of("n1", "n2", "n4"), List.of("n1", "n2", "n3")));
    // group 1 is not hosted here
    hosted.put(ClusterGroups.dataGroupId(2),
        division(true, RaftPeerRole.CANDIDATE, 8, 21, List.of("n1", "n3", "n4"), List.of()));
    hosted.put(ClusterGroups.dataGroupId(3),
        division(true, RaftPeerRole.LISTENER, 2, 5, List.of("n2", "n3", "n4"), List.of()));

    Map<Integer, Replica> replicas = byGroup(probe(hosted, 4));

    assertEquals(List.of(HostedReplica.METADATA, 0, 2, 3), List.copyOf(replicas.keySet()));
    Replica metadata = replicas.get(HostedReplica.METADATA);
    assertTrue(metadata.hasMetadataGroup(), metadata.toString());
    assertEquals(Replica.Role.FOLLOWER, metadata.getRole());
    assertEquals(4, metadata.getTerm());
    assertEquals(12, metadata.getConfigurationIndex());
    assertEquals(List.of("n1", "n2", "n3"), metadata.getPeerIdsList());

    Replica leader = replicas.get(0);
    assertTrue(leader.hasDataGroup(), leader.toString());
    assertEquals(Replica.Role.LEADER, leader.getRole());
    assertEquals(7, leader.getTerm());
    assertEquals(30, leader.getConfigurationIndex());
    assertEquals(List.of("n1", "n2", "n4"), leader.getPeerIdsList());
    assertEquals(List.of("n1", "n2", "n3"), leader.getPreviousPeerIdsList());

    assertEquals(Replica.Role.CANDIDATE, replicas.get(2).getRole());
    assertEquals(8, replicas.get(2).getTerm());
    assertEquals(List.of(), replicas.get(2).getPreviousPeerIdsList());
    assertEquals(Replica.Role.LISTENER, replicas.get(3).getRole());
  }

  @Test
  void aReplicaRatisStoppedIsFailedNotTheLeaderItLastWas() {
    Map<RaftGroupId, RaftServer.Division> hosted = Map.of(ClusterGroups.dataGroupId(1),
        division(false, RaftPeerRole.LEADER, 9, 40, List.of("n1", "n3", "n4"), List.of()));

    Replica failed = byGroup(probe(hosted, 2)).get(1);

    assertEquals(Replica.Role.FAILED, failed.getRole());
    assertEquals(9, failed.getTerm());
    assertEquals(40, failed.getConfigurationIndex(), "its copy is judged by its configuration");
    assertEquals(List.of("n1", "n3", "n4"), failed.getPeerIdsList());
    HostedReplica planned = HostedReplica.reported("n1", ProbeReply.newBuilder()
        .addReplicas(failed).build()).get(0);
    assertTrue(planned.failed());
    assertFalse(planned.leader());
  }

  @Test
  void aReplicaWhoseStateCannotBeReadIsUnknownNeitherLeaderNorFailed() {
    RaftServer.Division closing = fake(RaftServer.Division.class, Map.of(
        "getRaftConf", configuration(3, List.of("n1"), List.of())));

    Replica unknown = byGroup(probe(Map.of(ClusterGroups.dataGroupId(0), closing), 1)).get(0);

    assertEquals(Replica.Role.UNKNOWN, unknown.getRole());
    assertEquals(3, unknown.getConfigurationIndex());
  }

  @Test
  void theNodeSaysWhoItIsOnWhatStorageWithWhichFoundingListAndWhatItsMetadataRecords() {
    ProbeReply reply = probe(new NodeProbeService("n1", new StorageIdentity("disk-1", false),
        PEERS, () -> Map.of("n2", "disk-2"), List::of, () -> 4_321));

    assertEquals("n1", reply.getNodeId());
    assertEquals("disk-1", reply.getStorageId());
    assertTrue(reply.getStorageReused(), "storage not made by this start was used before");
    assertEquals(PeerListCheck.entries(PEERS), reply.getClusterPeersList());
    assertEquals(Map.of("n2", "disk-2"), reply.getMemberStorageIdsMap());
    assertEquals(0, reply.getReplicasCount());
    assertEquals(4_321, reply.getUptimeMillis(), "how long it has run, for the choice of heirs");
    assertFalse(probe(new NodeProbeService("n1", new StorageIdentity("disk-1", true), PEERS,
        Map::of, List::of, () -> 0)).getStorageReused(), "storage made by this start");
  }

  @Test
  void everyRunningRatisRoleKeepsItsName() {
    // The operators' status names roles by the typed role, as it named them by Ratis' before.
    for (RaftPeerRole ratis : RaftPeerRole.values()) {
      if (ratis != RaftPeerRole.UNRECOGNIZED) {
        assertEquals(ratis.name(), LocalReplicas.role(ratis).name());
      }
    }
    assertEquals(Replica.Role.UNKNOWN, LocalReplicas.role(RaftPeerRole.UNRECOGNIZED));
  }

  /** The reply of a node hosting {@code hosted} in a cluster of {@code dataGroups} groups. */
  private static ProbeReply probe(Map<RaftGroupId, RaftServer.Division> hosted, int dataGroups) {
    RaftServer server = (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
        new Class<?>[] {RaftServer.class}, (proxy, method, args) -> {
          if (!method.getName().equals("getDivision")) {
            throw new UnsupportedOperationException("RaftServer." + method.getName());
          }
          RaftServer.Division division = hosted.get((RaftGroupId) args[0]);
          if (division == null) {
            throw new IOException("not hosted: " + args[0]);
          }
          return division;
        });
    LocalReplicas replicas = new LocalReplicas(server, () -> dataGroups);
    return probe(new NodeProbeService("n1", new StorageIdentity("disk-1", false), PEERS,
        Map::of, replicas::all, () -> 0));
  }

  /** Calls the service as gRPC would, and takes its one answer. */
  private static ProbeReply probe(NodeProbeService service) {
    List<ProbeReply> replies = new ArrayList<>();
    boolean[] completed = {false};
    service.probe(ProbeRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(ProbeReply reply) {
        replies.add(reply);
      }

      @Override
      public void onError(Throwable t) {
        throw new AssertionError("the probe failed", t);
      }

      @Override
      public void onCompleted() {
        completed[0] = true;
      }
    });
    assertTrue(completed[0], "the call was not completed");
    assertEquals(1, replies.size(), "answers: " + replies);
    return replies.get(0);
  }

  private static Map<Integer, Replica> byGroup(ProbeReply reply) {
    Map<Integer, Replica> byGroup = new LinkedHashMap<>();
    for (Replica replica : reply.getReplicasList()) {
      int group = replica.hasMetadataGroup() ? HostedReplica.METADATA : replica.getDataGroup();
      assertEquals(null, byGroup.put(group, replica), "group " + group + " reported twice");
    }
    return byGroup;
  }

  private static RaftServer.Division division(boolean alive, RaftPeerRole role, long term,
      long configurationIndex, List<String> peers, List<String> previous) {
    DivisionInfo info = fake(DivisionInfo.class, Map.of("isAlive", alive,
        "getCurrentRole", role, "getCurrentTerm", term,
        "getLeaderId", RaftPeerId.valueOf("n1"), "getLastAppliedIndex", 100L));
    RaftLog log = fake(RaftLog.class, Map.of("getLastCommittedIndex", 101L));
    return fake(RaftServer.Division.class, Map.of("getInfo", info, "getRaftLog", log,
        "getRaftConf", configuration(configurationIndex, peers, previous)));
  }

  private static RaftConfiguration configuration(long index, List<String> peers,
      List<String> previous) {
    return fake(RaftConfiguration.class, Map.of("getLogEntryIndex", index,
        "getCurrentPeers", raftPeers(peers), "getPreviousPeers", raftPeers(previous)));
  }

  private static List<RaftPeer> raftPeers(List<String> ids) {
    List<RaftPeer> peers = new ArrayList<>();
    ids.forEach(id -> peers.add(RaftPeer.newBuilder().setId(id).build()));
    return peers;
  }

  /** {@code type} answering each method named in {@code answers}, and nothing else. */
  private static <T> T fake(Class<T> type, Map<String, Object> answers) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "hashCode" -> {
              return System.identityHashCode(proxy);
            }
            case "equals" -> {
              return proxy == args[0];
            }
            case "toString" -> {
              return "fake " + type.getSimpleName() + answers;
            }
            default -> { }
          }
          if (!answers.containsKey(method.getName())) {
            throw new UnsupportedOperationException(type.getSimpleName() + "." + method.getName());
          }
          return answers.get(method.getName());
        }));
  }
}
