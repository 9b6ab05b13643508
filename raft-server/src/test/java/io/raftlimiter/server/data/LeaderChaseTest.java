package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Test;

class LeaderChaseTest {
  /**
   * The leader submits its entries straight to its division, skipping the server proxy's pool
   * and its blocking join. That relies on Ratis' division class implementing the client
   * protocol, which its API does not promise: an upgrade that drops it would silently bring the
   * hand-off back (the fallback), so it fails here instead.
   */
  @Test
  void ratisDivisionsTakeClientRequestsThemselves() throws Exception {
    Class<?> division = Class.forName("org.apache.ratis.server.impl.RaftServerImpl");
    assertTrue(RaftServer.Division.class.isAssignableFrom(division));
    assertTrue(RaftClientAsynchronousProtocol.class.isAssignableFrom(division),
        "Ratis' division no longer implements RaftClientAsynchronousProtocol");
  }

  /**
   * A leader that is not ready yet, or is stepping down, settles within a commit round: asked
   * again within 20 ms, however long the chase has waited, instead of at the backoff's pace (a
   * new leader found not ready 4 ms before it was cost 160 ms more, issue 24's rolling restart).
   * So is a server that knows no leader (an election under way). A refusal naming another
   * server keeps the doubling: it may come from a stale view, and two such servers would
   * otherwise bounce the entry between them without a pause; so does an unreachable server.
   */
  @Test
  void aSettlingLeaderIsAskedAgainSoonAndOthersAtTheBackoffsPace() {
    RaftGroupMemberId member = RaftGroupMemberId.valueOf(RaftPeerId.valueOf("n1"),
        RaftGroupId.randomId());
    LeaderChase.Backoff notReady = LeaderChase.Backoff.after(
        new LeaderNotReadyException(member), 160);
    assertEquals(LeaderChase.SETTLING_MAX_MILLIS, notReady.waitMillis());
    assertEquals(LeaderChase.SETTLING_MAX_MILLIS, notReady.nextMillis());
    LeaderChase.Backoff steppingDown = LeaderChase.Backoff.after(
        new LeaderSteppingDownException("handing over"), 5);
    assertEquals(5, steppingDown.waitMillis());
    assertEquals(10, steppingDown.nextMillis());

    LeaderChase.Backoff electing = LeaderChase.Backoff.after(
        new NotLeaderException(member, null, java.util.List.of()), 160);
    assertEquals(LeaderChase.SETTLING_MAX_MILLIS, electing.waitMillis(),
        "no leader known, an election under way: its winner is asked soon after it wins");
    RaftPeer other = RaftPeer.newBuilder().setId("n2").build();
    LeaderChase.Backoff named = LeaderChase.Backoff.after(
        new NotLeaderException(member, other, java.util.List.of(other)), 160);
    assertEquals(160, named.waitMillis(), "another server named: the backoff's pace");
    assertEquals(LeaderChase.MAX_BACKOFF_MILLIS, named.nextMillis());
    LeaderChase.Backoff silent = LeaderChase.Backoff.after(null, 40);
    assertEquals(40, silent.waitMillis(), "unreachable: the backoff's pace");
    assertEquals(80, silent.nextMillis());
  }
}
