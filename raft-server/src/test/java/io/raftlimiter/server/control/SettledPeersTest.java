package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettledPeersTest {
  private final SettledPeers peers = new SettledPeers(300, 10_000);

  @Test
  void aPeerIsSettledOnlyAfterAnsweringWithoutABreakForTheSettleTime() {
    assertFalse(peers.sample("n1", 50L, 0));
    assertFalse(peers.sample("n1", 20L, 9_000));
    assertTrue(peers.sample("n1", 10L, 10_050), "fresh in every sample since -50 ms");
  }

  @Test
  void aStaleSampleOrNoneStartsItOver() {
    peers.sample("n1", 10L, 0);
    assertFalse(peers.sample("n1", 2_500L, 5_000), "down: a restart");
    assertFalse(peers.sample("n1", 10L, 7_000), "back: settling again from here");
    assertFalse(peers.sample("n1", 10L, 16_000));
    assertTrue(peers.sample("n1", 10L, 17_000));
    assertFalse(peers.sample("n1", null, 18_000), "never answered: not settled");
    assertFalse(peers.sample("n1", 10L, 18_100));
  }

  @Test
  void peersAndForgettingAreSeparate() {
    peers.sample("n1", 10L, 0);
    peers.sample("n2", 10L, 0);
    peers.forget("n2");
    assertTrue(peers.sample("n1", 10L, 10_000));
    assertFalse(peers.sample("n2", 10L, 10_000), "forgotten: its settling starts now");
    assertTrue(new SettledPeers(300, 0).sample("n3", 10L, 0), "no settle time: fresh is enough");
  }

  /**
   * A rolling restart: n1 is back and settled while n2 is down. Moving leadership to n1 now
   * would stop the group's writes once more, and again when n2 leaves next; the group waits
   * until every replica has answered without a break for the settle time.
   */
  @Test
  void aGroupIsSettledOnlyWhenEveryOtherReplicaIs() {
    Map<String, Long> heard = new HashMap<>(Map.of("n1", 10L, "n2", 10L));
    assertFalse(peers.allSettled("g", List.of("n1", "n2"), heard, 0));
    heard.put("n2", 2_000L); // n2 stopped
    assertFalse(peers.allSettled("g", List.of("n1", "n2"), heard, 10_000),
        "n1 has been settled for a while, n2 is down");
    heard.put("n2", 10L); // n2 back
    assertFalse(peers.allSettled("g", List.of("n1", "n2"), heard, 12_000), "n2 settling");
    assertTrue(peers.allSettled("g", List.of("n1", "n2"), heard, 22_000),
        "n1's samples went on while n2 was down: it stayed settled");
    assertFalse(peers.allSettled("g", List.of("n1", "n3"), Map.of("n1", 10L), 22_000),
        "a replica never heard from is not settled");
    assertFalse(peers.allSettled("h", List.of("n1"), heard, 22_000), "groups settle apart");
  }

  @Test
  void forgettingAGroupStartsEachOfItsReplicasOver() {
    Map<String, Long> heard = Map.of("n1", 10L, "n2", 10L);
    peers.allSettled("g", List.of("n1", "n2"), heard, 0);
    peers.allSettled("h", List.of("n1"), heard, 0);
    peers.forgetGroup("g", List.of("n1", "n2"));
    assertFalse(peers.allSettled("g", List.of("n1", "n2"), heard, 10_000));
    assertTrue(peers.allSettled("h", List.of("n1"), heard, 10_000));
  }
}
