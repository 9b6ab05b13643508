package io.raftlimiter.server.control;

import java.util.HashMap;
import java.util.Map;

/**
 * Which peers have answered without a break for a while, from samples of how long ago each last
 * answered: a peer is settled once every sample for at least {@code settleMillis} found it fresh
 * (answered within {@code freshMillis}). One stale sample, or none at all, starts it over. Pure:
 * the caller gives the time.
 */
final class SettledPeers {
  private final long freshMillis;
  private final long settleMillis;
  /** Since when (caller's clock, ms) each peer has been fresh in every sample. */
  private final Map<String, Long> freshSince = new HashMap<>();

  SettledPeers(long freshMillis, long settleMillis) {
    this.freshMillis = freshMillis;
    this.settleMillis = settleMillis;
  }

  /**
   * Records a sample of {@code peer} taken at {@code nowMillis} and says whether it is settled.
   *
   * @param lastHeardMillis how long ago the peer last answered, or null if it never has
   */
  boolean sample(String peer, Long lastHeardMillis, long nowMillis) {
    if (lastHeardMillis == null || lastHeardMillis >= freshMillis) {
      freshSince.remove(peer);
      return false;
    }
    long since = freshSince.computeIfAbsent(peer, p -> nowMillis - lastHeardMillis);
    return nowMillis - since >= settleMillis;
  }

  /** Forgets {@code peer}: its next fresh sample starts its settling again. */
  void forget(String peer) {
    freshSince.remove(peer);
  }
}
