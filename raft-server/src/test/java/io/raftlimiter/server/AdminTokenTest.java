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
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.ListLimitsRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
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
