package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.RemoveLimitRequest;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.ClusterGroups;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limit rules by key prefix, kept in the metadata group: set through one node, applied by all,
 * the longest prefix winning, a limit in the request winning over any rule, invalid rules refused
 * with nothing changed, and the rules surviving a restart of every node.
 */
@Tag("cluster")
class LimitRulesClusterTest {
  private static final double SLOW = 0.001;

  @TempDir Path dir;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void rulesAreSetOverriddenRemovedAndSurviveARestart() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b
        .set(NodeConfigKeys.GROUPS, 4)
        // Snapshots every few entries, so that the restart below loads a metadata snapshot.
        .set(NodeConfigKeys.SNAPSHOT_THRESHOLD_ENTRIES, 3L)
        .set(NodeConfigKeys.METADATA_REFRESH_INTERVAL_MS, 200))) {
      var cluster = fixture.cluster();

      LimitRules afterSet = admin(fixture, 0).setLimit(set("tenant-42:", 3, SLOW));
      assertEquals(List.of(rule("tenant-42:", 3, SLOW)), afterSet.getRulesList());
      awaitEveryNodeAt(fixture, afterSet.getVersion());

      // A key under the rule, through another node: the rule's limit, then rejections.
      AcquireResponse first = fixture.client(1).acquire(unlimited("tenant-42:alice"));
      assertEquals(3, first.getLimit().getCapacity());
      assertEquals(2, first.getRemaining());
      fixture.client(2).acquire(unlimited("tenant-42:alice"));
      fixture.client(0).acquire(unlimited("tenant-42:alice"));
      assertFalse(fixture.client(1).acquire(unlimited("tenant-42:alice")).getAllowed(),
          "the fourth acquire of a bucket of 3");

      // A longer prefix wins over a shorter one.
      LimitRules withVip = admin(fixture, 2).setLimit(set("tenant-42:vip", 10, SLOW));
      awaitEveryNodeAt(fixture, withVip.getVersion());
      assertEquals(10, fixture.client(0).acquire(unlimited("tenant-42:vip-1")).getLimit().getCapacity());
      assertEquals(3, fixture.client(0).acquire(unlimited("tenant-42:bob")).getLimit().getCapacity());

      // A limit carried in the request wins over every rule.
      AcquireResponse carried = fixture.client(1).acquire(request("tenant-42:carol", 50, 1));
      assertEquals(50, carried.getLimit().getCapacity());

      // No rule matches: the node's default; then the empty prefix as the cluster default.
      assertEquals(100, fixture.client(2).acquire(unlimited("other:1")).getLimit().getCapacity());
      LimitRules withDefault = admin(fixture, 1).setLimit(set("", 7, SLOW));
      awaitEveryNodeAt(fixture, withDefault.getVersion());
      assertEquals(7, fixture.client(2).acquire(unlimited("other:2")).getLimit().getCapacity());

      // Permits are checked against the rule's capacity.
      StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class,
          () -> fixture.client(0).acquire(unlimited("tenant-42:dave").toBuilder()
              .setPermits(4).build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
      assertTrue(tooMany.getStatus().getDescription().contains("capacity 3"),
          tooMany.getStatus().getDescription());

      // Invalid rules are refused and change nothing.
      long before = admin(fixture, 0).listLimits(ListLimitsRequest.getDefaultInstance()).getVersion();
      assertRefused(Status.Code.INVALID_ARGUMENT, "limit.capacity",
          () -> admin(fixture, 0).setLimit(set("bad:", 0, 1)));
      assertRefused(Status.Code.INVALID_ARGUMENT, "refill_per_second",
          () -> admin(fixture, 0).setLimit(set("bad:", 5, Double.NaN)));
      assertRefused(Status.Code.INVALID_ARGUMENT, "513 UTF-8 bytes",
          () -> admin(fixture, 0).setLimit(set("p".repeat(513), 5, 1)));
      assertRefused(Status.Code.NOT_FOUND, "no rule for prefix",
          () -> admin(fixture, 0).removeLimit(remove("never-set:")));
      LimitRules unchanged = admin(fixture, 2).listLimits(ListLimitsRequest.getDefaultInstance());
      assertEquals(before, unchanged.getVersion());
      assertEquals(3, unchanged.getRulesCount());

      // Removing the longer prefix hands its keys back to the shorter one.
      LimitRules removed = admin(fixture, 0).removeLimit(remove("tenant-42:vip"));
      assertEquals(List.of(rule("", 7, SLOW), rule("tenant-42:", 3, SLOW)), removed.getRulesList());
      awaitEveryNodeAt(fixture, removed.getVersion());
      assertEquals(3, fixture.client(1).acquire(unlimited("tenant-42:vip-2")).getLimit().getCapacity());

      // Every node stops and starts again: the rules are still there, and still applied.
      fixture.await("a metadata snapshot on every replica", Duration.ofSeconds(30), () -> {
        for (int i = 0; i < cluster.size(); i++) {
          try {
            if (cluster.node(i).internals().raftServer().getDivision(ClusterGroups.metaGroupId())
                .getStateMachine().getLatestSnapshot() == null) {
              return false;
            }
          } catch (IOException e) {
            return false;
          }
        }
        return true;
      });
      for (int i = 0; i < cluster.size(); i++) {
        cluster.stop(i);
      }
      for (int i = 0; i < cluster.size(); i++) {
        cluster.restart(i);
      }
      fixture.awaitLeader();
      LimitRules afterRestart = admin(fixture, 1).listLimits(ListLimitsRequest.getDefaultInstance());
      assertEquals(removed.getRulesList(), afterRestart.getRulesList());
      awaitEveryNodeAt(fixture, removed.getVersion());
      AcquireResponse restarted = fixture.client(2).acquire(unlimited("tenant-42:erin"));
      assertEquals(3, restarted.getLimit().getCapacity());
      assertFalse(fixture.client(0).acquire(unlimited("tenant-42:alice")).getAllowed(),
          "alice's drained bucket is still drained after the restart");
      for (int i = 0; i < cluster.size(); i++) {
        assertEquals("", cluster.node(i).status().getMetadataProblem());
      }
    }
  }

  private static void awaitEveryNodeAt(ClusterFixture fixture, long version)
      throws InterruptedException {
    fixture.await("every node at metadata version " + version, Duration.ofSeconds(30), () -> {
      for (int i = 0; i < fixture.cluster().size(); i++) {
        if (fixture.cluster().node(i).metadata().version() < version) {
          return false;
        }
      }
      return true;
    });
  }

  private static void assertRefused(Status.Code code, String messagePart, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(messagePart), e.getStatus().toString());
  }

  private static NodeAdminGrpc.NodeAdminBlockingStub admin(ClusterFixture fixture, int node) {
    ManagedChannel channel = ManagedChannelBuilder
        .forTarget(fixture.cluster().node(node).clientAddress()).usePlaintext().build();
    fixture.onClose(channel::shutdownNow);
    return NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static AcquireRequest unlimited(String key) {
    return AcquireRequest.newBuilder().setKey(key).build();
  }

  private static SetLimitRequest set(String prefix, long capacity, double refill) {
    return SetLimitRequest.newBuilder().setRule(rule(prefix, capacity, refill)).build();
  }

  private static RemoveLimitRequest remove(String prefix) {
    return RemoveLimitRequest.newBuilder().setPrefix(prefix).build();
  }

  private static LimitRule rule(String prefix, long capacity, double refill) {
    return LimitRule.newBuilder().setPrefix(prefix).setCapacity(capacity)
        .setRefillPerSecond(refill).build();
  }
}
