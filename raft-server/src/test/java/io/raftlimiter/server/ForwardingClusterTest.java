package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acquires taken by followers join the leader's group commit: the followers propose no log
 * entry of their own, and the decisions are exactly those of one bucket decided in one place.
 */
@Tag("cluster")
class ForwardingClusterTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void followersHandTheirOpsToTheLeadersEntries() throws Exception {
    // No leadership hand-over during the test: a follower knows the leader throughout.
    try (ClusterFixture fixture = ClusterFixture.start(dir,
        b -> b.set(NodeConfigKeys.LEADER_BALANCE_INTERVAL_MS, 0))) {
      int leader = fixture.awaitLeader();
      String leaderId = fixture.cluster().node(leader).id();
      fixture.await("every node knows the leader", ClusterFixture.LEADER_TIMEOUT, () -> {
        for (int i = 0; i < ClusterFixture.SIZE; i++) {
          var known = fixture.division(i).getInfo().getLeaderId();
          if (known == null || !known.toString().equals(leaderId)) {
            return false;
          }
        }
        return true;
      });
      int[] followers = new int[2];
      for (int i = 0, f = 0; i < ClusterFixture.SIZE; i++) {
        if (i != leader) {
          followers[f++] = i;
        }
      }
      long[] entriesBefore = new long[ClusterFixture.SIZE];
      for (int i = 0; i < ClusterFixture.SIZE; i++) {
        entriesBefore[i] = fixture.cluster().node(i).metrics().entriesSubmittedCount();
      }

      List<AcquireRequest> requests = new ArrayList<>();
      for (int i = 0; i < 900; i++) {
        requests.add(request("shared-" + (i % 3), 1, 250, 0.001));
      }
      List<AcquireResponse> responses = fixture.acquireAll(requests, followers, 128);

      for (int key = 0; key < 3; key++) {
        int k = key;
        long allowed = 0;
        for (int j = 0; j < requests.size(); j++) {
          if (j % 3 == k && responses.get(j).getAllowed()) {
            allowed++;
          }
        }
        assertEquals(250, allowed, "shared-" + key + ": exactly the capacity is allowed");
      }
      for (int follower : followers) {
        long proposed = fixture.cluster().node(follower).metrics().entriesSubmittedCount()
            - entriesBefore[follower];
        assertEquals(0, proposed, "follower " + follower + " proposed entries of its own\n"
            + fixture.describe());
      }
      long leaderEntries = fixture.cluster().node(leader).metrics().entriesSubmittedCount()
          - entriesBefore[leader];
      assertTrue(leaderEntries > 0 && leaderEntries < requests.size(),
          "the leader coalesced the followers' ops: " + leaderEntries + " entries for "
              + requests.size() + " ops");
    }
  }
}
