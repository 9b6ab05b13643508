package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.api.peer.v1.MetadataGroup;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.api.peer.v1.Replica;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A probe's replicas as the planner sees them: only a LEADER leads and only a FAILED copy is
 * lost; every other role, one this version does not know among them, is neither.
 */
class HostedReplicaTest {
  private static Replica.Builder replica(Replica.Role role) {
    return Replica.newBuilder().setRole(role).setTerm(5).setConfigurationIndex(9)
        .addAllPeerIds(List.of("n1", "n2", "n3")).addPreviousPeerIds("n4");
  }

  @Test
  void eachRoleIsLeaderFailedOrNeither() {
    ProbeReply reply = ProbeReply.newBuilder()
        .addReplicas(replica(Replica.Role.LEADER).setDataGroup(0))
        .addReplicas(replica(Replica.Role.FOLLOWER).setDataGroup(1))
        .addReplicas(replica(Replica.Role.CANDIDATE).setDataGroup(2))
        .addReplicas(replica(Replica.Role.LISTENER).setDataGroup(3))
        .addReplicas(replica(Replica.Role.FAILED).setDataGroup(4))
        .addReplicas(replica(Replica.Role.UNKNOWN).setDataGroup(5))
        .addReplicas(replica(Replica.Role.LEADER).setRoleValue(42).setDataGroup(6))
        .build();

    List<HostedReplica> hosted = HostedReplica.reported("n1", reply);

    assertEquals(List.of(true, false, false, false, false, false, false),
        hosted.stream().map(HostedReplica::leader).toList());
    assertEquals(List.of(false, false, false, false, true, false, false),
        hosted.stream().map(HostedReplica::failed).toList());
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6),
        hosted.stream().map(HostedReplica::group).toList());
  }

  @Test
  void theMetadataReplicaIsGroupMetadataWithItsTermAndConfiguration() {
    ProbeReply reply = ProbeReply.newBuilder().addReplicas(replica(Replica.Role.FOLLOWER)
        .setMetadataGroup(MetadataGroup.getDefaultInstance())).build();

    assertEquals(List.of(new HostedReplica("n2", HostedReplica.METADATA, false, 5, 9,
        Set.of("n1", "n2", "n3"), Set.of("n4"))), HostedReplica.reported("n2", reply));
  }

  @Test
  void aReplicaOfNoGroupThisVersionKnowsIsLeftOut() {
    ProbeReply reply = ProbeReply.newBuilder().addReplicas(replica(Replica.Role.LEADER))
        .addReplicas(replica(Replica.Role.LEADER).setDataGroup(0)).build();

    assertEquals(List.of(0),
        HostedReplica.reported("n1", reply).stream().map(HostedReplica::group).toList());
  }
}
