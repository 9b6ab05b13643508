package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.control.FoundingCheck.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A node on new storage founds only when a majority answered and none knew the cluster. */
class FoundingCheckTest {
  private static final List<PeerAddress> FIVE =
      PeerAddress.parseList("n1=h:1:2,n2=h:3:4,n3=h:5:6,n4=h:7:8,n5=h:9:10");

  private static ProbeReply fresh() {
    return ProbeReply.newBuilder().addAllClusterPeers(PeerListCheck.entries(FIVE)).build();
  }

  private static ProbeReply restarted() {
    return fresh().toBuilder().setStorageReused(true).build();
  }

  @Test
  void aMinorityOfFreshAnswersIsNotEnoughToFound() {
    FoundingCheck.Outcome outcome = FoundingCheck.decide("n1", FIVE, Map.of("n2", fresh()));
    assertEquals(Verdict.WAIT, outcome.verdict());
    assertTrue(outcome.reason().contains("[n3, n4, n5]"), outcome.reason());
  }

  @Test
  void aMajorityOfFreshAnswersFounds() {
    assertEquals(Verdict.FOUND, FoundingCheck.decide("n1", FIVE,
        Map.of("n2", fresh(), "n3", fresh())).verdict());
  }

  @Test
  void onePeerRestartedOnItsStorageMeansTheDiskWasLostEvenBeforeAMajorityAnswers() {
    FoundingCheck.Outcome outcome = FoundingCheck.decide("n1", FIVE, Map.of("n4", restarted()));
    assertEquals(Verdict.LOST_DISK, outcome.verdict());
    assertTrue(outcome.reason().contains("n4"), outcome.reason());
    assertEquals(Verdict.LOST_DISK, FoundingCheck.decide("n1", FIVE,
        Map.of("n2", fresh(), "n3", fresh(), "n4", restarted())).verdict());
  }

  @Test
  void aPeerThatRecordsThisNodesStorageMeansTheDiskWasLost() {
    ProbeReply knows = fresh().toBuilder().putMemberStorageIds("n1", "old-disk").build();
    FoundingCheck.Outcome outcome =
        FoundingCheck.decide("n1", FIVE, Map.of("n2", knows, "n3", fresh()));
    assertEquals(Verdict.LOST_DISK, outcome.verdict());
    assertTrue(outcome.reason().contains("old-disk"), outcome.reason());
  }

  @Test
  void aPeerListingOtherIdsRefuses() {
    ProbeReply other = ProbeReply.newBuilder()
        .addAllClusterPeers(PeerListCheck.entries(FIVE.subList(1, 5))).build();
    assertEquals(Verdict.REFUSE,
        FoundingCheck.decide("n1", FIVE, Map.of("n2", other, "n3", fresh())).verdict());
  }
}
