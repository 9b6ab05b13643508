package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import org.junit.jupiter.api.Test;

class ReadinessTest {
  private static GroupStatus group(int index, String role, String leader) {
    return GroupStatus.newBuilder().setIndex(index).setRole(role).setLeaderId(leader).setTerm(3)
        .build();
  }

  private static NodeStatus.Builder loaded() {
    return NodeStatus.newBuilder().setMetadataVersion(2)
        .setMetadataGroup(group(-1, "FOLLOWER", "n1"));
  }

  @Test
  void readyWithMetadataAndALeaderForEveryGroup() {
    Readiness readiness = Readiness.of(loaded()
        .addGroups(group(0, "LEADER", "n2")).addGroups(group(1, "FOLLOWER", "n1")).build());
    assertTrue(readiness.ready(), readiness.reasons().toString());
  }

  @Test
  void aGroupWithoutALeaderIsNotReady() {
    Readiness readiness = Readiness.of(loaded().addGroups(group(0, "CANDIDATE", "")).build());
    assertFalse(readiness.ready());
    assertEquals(1, readiness.reasons().size());
    assertTrue(readiness.reasons().get(0).contains("group 0 has no leader (candidate in term 3)"),
        readiness.reasons().toString());
  }

  /** A stopped replica still knows its last leader; it must not read as ready. */
  @Test
  void aFailedReplicaIsNotReadyEvenIfItRemembersALeader() {
    Readiness readiness = Readiness.of(loaded().addGroups(group(0, "FAILED", "n1")).build());
    assertFalse(readiness.ready());
    assertTrue(readiness.reasons().get(0).contains("replica of group 0 on this node has stopped"),
        readiness.reasons().toString());

    Readiness metadata = Readiness.of(loaded()
        .setMetadataGroup(group(-1, "FAILED", "n1")).build());
    assertFalse(metadata.ready());
    assertTrue(metadata.reasons().get(0).contains("the metadata group"));
  }

  /** A node that does not decide (its settings not compared with the shape yet) is not ready. */
  @Test
  void aProblemWithTheMetadataIsNotReady() {
    Readiness readiness = Readiness.of(loaded().addGroups(group(0, "LEADER", "n2"))
        .setMetadataProblem("it does not decide: not compared yet").build());
    assertFalse(readiness.ready());
    assertEquals(java.util.List.of("it does not decide: not compared yet"), readiness.reasons());
  }
}
