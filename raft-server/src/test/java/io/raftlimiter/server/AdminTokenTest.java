package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.raftlimiter.api.admin.v1.DrainRequest;
import io.raftlimiter.api.admin.v1.GetBucketRequest;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.ReplaceLimitsRequest;
import io.raftlimiter.api.admin.v1.ResetBucketRequest;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import io.raftlimiter.server.ops.AuditLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code security.admin-token-file} set, the calls that change the cluster need the token;
 * without it or with another they are refused and change nothing, and the token rotates by
 * rewriting the file.
 */
@Tag("cluster")
class AdminTokenTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void clusterChangesNeedTheAdminToken() throws Exception {
    Path tokenFile = dir.resolve("admin.token");
    Files.writeString(tokenFile, "first-token\n");
    try (LocalCluster cluster = LocalCluster.start(1, dir.resolve("cluster"), b -> b
        .set(NodeConfigKeys.ADMIN_TOKEN_FILE, tokenFile))) {
      // Settled first: the controller records the node's storage in the metadata at start,
      // which would move the version under the check below.
      cluster.awaitLeaders(Duration.ofSeconds(30));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!cluster.node(0).metadata().membership().storageIds().containsKey("n1")) {
        assertTrue(System.nanoTime() < until, "n1's storage never recorded");
        Thread.sleep(50);
      }
      ManagedChannel channel = ManagedChannelBuilder.forTarget(cluster.node(0).clientAddress())
          .usePlaintext().build();
      try {
        NodeAdminGrpc.NodeAdminBlockingStub open = NodeAdminGrpc.newBlockingStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS);
        long version = open.listLimits(ListLimitsRequest.getDefaultInstance()).getVersion();

        assertRefused(Status.Code.UNAUTHENTICATED, () -> open.setLimit(rule("free-for-all:")));
        assertRefused(Status.Code.UNAUTHENTICATED,
            () -> open.drain(DrainRequest.newBuilder().setNodeId("n1").build()));
        assertRefused(Status.Code.PERMISSION_DENIED,
            () -> as(open, "wrong-token").setLimit(rule("free-for-all:")));
        assertEquals(version, open.listLimits(ListLimitsRequest.getDefaultInstance())
            .getVersion(), "a refused call changed the metadata");
        assertEquals("n1", open.status(StatusRequest.getDefaultInstance()).getNodeId());

        assertEquals(1, as(open, "first-token").setLimit(rule("tenant:")).getRulesCount());

        // Rotated: the file is rewritten, and the node reads it again without a restart.
        Files.writeString(tokenFile, "second-token\n");
        Files.setLastModifiedTime(tokenFile,
            FileTime.fromMillis(System.currentTimeMillis() + 2_000));
        assertRefused(Status.Code.PERMISSION_DENIED,
            () -> as(open, "first-token").setLimit(rule("other:")));
        assertEquals(2, as(open, "second-token").setLimit(rule("other:")).getRulesCount());

        // Limits as code and bucket resets are changes too; a look at a bucket is not.
        ReplaceLimitsRequest replace = ReplaceLimitsRequest.newBuilder()
            .addRules(rule("only:").getRule()).build();
        assertRefused(Status.Code.UNAUTHENTICATED, () -> open.replaceLimits(replace));
        ResetBucketRequest reset = ResetBucketRequest.newBuilder().setKey("only:k").build();
        assertRefused(Status.Code.UNAUTHENTICATED, () -> open.resetBucket(reset));
        assertEquals(5, open.getBucket(GetBucketRequest.newBuilder().setKey("tenant:k").build())
            .getRemaining());
        assertEquals(List.of("only:"), as(open, "second-token").replaceLimits(replace)
            .getRulesList().stream().map(LimitRule::getPrefix).toList());
        assertEquals(5, as(open, "second-token").resetBucket(reset).getRemaining());

        // Each admitted change is in the audit log, with how its caller proved the role.
        List<AuditLog.Entry> audit = cluster.node(0).audit().recent();
        assertEquals(List.of("limits.set", "limits.set", "limits.replace", "bucket.reset"),
            audit.stream().map(AuditLog.Entry::action).toList());
        for (AuditLog.Entry entry : audit) {
          assertTrue(entry.caller().startsWith("admin token from /127.0.0.1:"), entry.caller());
          assertEquals("ok", entry.outcome());
        }
        assertEquals("none", audit.get(0).before());
        assertEquals("capacity 5, refill 1/s", audit.get(0).after());
        assertTrue(audit.get(2).after().contains("1 added, 0 changed, 2 removed"),
            audit.get(2).after());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static NodeAdminGrpc.NodeAdminBlockingStub as(NodeAdminGrpc.NodeAdminBlockingStub stub,
      String token) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static SetLimitRequest rule(String prefix) {
    return SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder().setPrefix(prefix)
        .setCapacity(5).setRefillPerSecond(1)).build();
  }

  private static void assertRefused(Status.Code code, Runnable call) {
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, refused.getStatus().getCode(), refused.getStatus().toString());
  }
}
