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
        LeadershipHandover.heirs(Map.of("n2", 40L, "n3", 5L, "n4", 40L, "n5", 900L), 300));
    assertEquals(List.of(), LeadershipHandover.heirs(Map.of("n2", 300L), 300), "silent: none");
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
