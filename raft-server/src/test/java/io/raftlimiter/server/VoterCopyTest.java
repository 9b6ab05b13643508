package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.control.ReplicaCopies;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller whose plan says "format n2" for a group n2 is a voter of (a second controller's
 * plan, a deposed one's stale probe) used to delete n2's copy on Ratis' "already exists" and
 * format it afresh: a voter that acknowledged entries, emptied. The copy is now kept, because
 * the group's leader, asked right before, counts n2; and a controller that no longer acts in its
 * metadata term deletes nothing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class VoterCopyTest {
  @TempDir Path dir;

  @Test
  void aVotersCopyIsNeverDeleted() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> { });
        RateLimiterClient client = RateLimiterClient.newBuilder()
            .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).build()) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      for (int i = 0; i < 3; i++) {
        assertTrue(client.acquire(acquire()).getAllowed());
      }
      RaftGroupId groupId = ClusterGroups.dataGroupId(0);
      RaftGroup group = RaftGroup.valueOf(groupId, cluster.node(0).internals().groupPeers());
      RaftServer.Division copy = cluster.node(1).internals().raftServer().getDivision(groupId);
      List<String> replicas = List.of("n1", "n2", "n3");
      try (RaftClient admin = RaftClient.newBuilder().setRaftGroup(group)
          .setProperties(new RaftProperties()).build()) {
        ReplicaCopies acting = new ReplicaCopies(admin, admin, () -> true, "a test controller");
        IOException kept = assertThrows(IOException.class,
            () -> acting.format("n2", group, replicas));
        assertTrue(kept.getMessage().contains("voter"), kept.getMessage());
        assertThrows(IOException.class, () -> acting.delete("n2", groupId, replicas));

        ReplicaCopies deposed = new ReplicaCopies(admin, admin, () -> false, "a deposed controller");
        IOException fenced = assertThrows(IOException.class,
            () -> deposed.format("n3", group, replicas));
        assertTrue(fenced.getMessage().contains("no longer acts"), fenced.getMessage());
      }
      assertSame(copy, cluster.node(1).internals().raftServer().getDivision(groupId),
          "n2's copy of the group was deleted and formatted again");
      assertFalse(client.acquire(acquire()).getAllowed(), "the drained key stays drained");
    }
  }

  private static AcquireRequest acquire() {
    return AcquireRequest.newBuilder().setKey("k").setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(3).setRefillPerSecond(0.001)).build();
  }
}
