package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.Test;

class LeadershipHandoverTest {
  @Test
  void heirsAreTheFollowersHeardFromLatelyMostRecentFirst() {
    assertEquals(List.of("n3", "n2", "n4"),
        LeadershipHandover.heirs(Map.of("n2", 40L, "n3", 5L, "n4", 40L, "n5", 900L), Map.of(),
            300));
    assertEquals(List.of(), LeadershipHandover.heirs(Map.of("n2", 300L), Map.of(), 300),
        "silent: none");
  }

  @Test
  void theHeirThatHasRunLongestComesFirstSoThatAJustStartedNodeIsTheLastResort() {
    // n3 was heard from last but started 4 s ago; n2 has run for an hour; n4's age is unknown
    assertEquals(List.of("n2", "n3", "n4"), LeadershipHandover.heirs(
        Map.of("n2", 40L, "n3", 5L, "n4", 1L), Map.of("n2", 3_600_000L, "n3", 4_000L), 300));
    assertEquals(List.of("n2"), LeadershipHandover.heirs(
        Map.of("n2", 40L, "n3", 300L), Map.of("n3", 3_600_000L), 300), "a silent one never");
  }

  @Test
  void theGroupNamedFirstIsHandedOverBeforeTheOthersWhichKeepTheirOrder() {
    RaftGroupId meta = RaftGroupId.randomId();
    RaftGroupId a = RaftGroupId.randomId();
    RaftGroupId b = RaftGroupId.randomId();
    assertEquals(List.of(meta, a, b), LeadershipHandover.order(List.of(a, b, meta), meta));
    assertEquals(List.of(meta, a, b), LeadershipHandover.order(List.of(a, meta, b), meta));
    assertEquals(List.of(a, b), LeadershipHandover.order(List.of(a, b), meta), "not a member");
  }
}
