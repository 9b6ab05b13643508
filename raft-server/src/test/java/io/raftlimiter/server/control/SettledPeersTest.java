package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
