package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
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
}
