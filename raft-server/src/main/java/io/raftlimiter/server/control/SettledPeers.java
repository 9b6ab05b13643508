package io.raftlimiter.server.control;

import java.util.Collection;
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

  /**
   * Records a sample of each of {@code peers} in {@code group} and says whether all of them are
   * settled. Every peer is sampled, settled or not, so that one that stayed up keeps its
   * history while another is down.
   *
   * @param lastHeardMillis how long ago each peer last answered, by id (absent: never)
   */
  boolean allSettled(String group, Collection<String> peers, Map<String, Long> lastHeardMillis,
      long nowMillis) {
    boolean all = true;
    for (String peer : peers) {
      all &= sample(group + "/" + peer, lastHeardMillis.get(peer), nowMillis);
    }
    return all;
  }

  /** Forgets each of {@code peers} in {@code group} ({@link #forget}). */
  void forgetGroup(String group, Collection<String> peers) {
    peers.forEach(peer -> forget(group + "/" + peer));
  }

  /** Forgets {@code peer}: its next fresh sample starts its settling again. */
  void forget(String peer) {
    freshSince.remove(peer);
  }
}
