package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterChecks.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.raftlimiter.api.admin.v1.DrainRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node joins a running cluster under load and gets the replicas the ring gives it; then it is
 * drained (its leaderships handed over first, its replicas moved back) and removed. Planned
 * changes fail no request: every call gets a decision on its first and only attempt.
 */
@Tag("cluster")
class MembershipChangeTest {
  private static final int GROUPS = 4;
  private static final int REPLICATION = 3;

  @TempDir Path dir;

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void aNodeJoinsGetsItsShareAndIsDrainedWithoutAFailedRequest() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> b
        .set(NodeConfigKeys.GROUPS, GROUPS)
        .set(NodeConfigKeys.REPLICATION, REPLICATION)
        .set(NodeConfigKeys.CONTROLLER_INTERVAL_MS, 200));
         RateLimiterClient client = RateLimiterClient.newBuilder()
             .endpoints(cluster.endpoints()).deadline(Duration.ofSeconds(10)).maxAttempts(1)
             .build()) {
      cluster.awaitLeaders(Duration.ofSeconds(60));
      AtomicBoolean loading = new AtomicBoolean(true);
      AtomicLong decided = new AtomicLong();
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        Semaphore inFlight = new Semaphore(16);
        while (loading.get()) {
          if (!inFlight.tryAcquire()) {
            Thread.onSpinWait();
            continue;
          }
          client.acquireAsync(acquire("k-" + ThreadLocalRandom.current().nextInt(1000)))
              .whenComplete((response, error) -> {
                inFlight.release();
                if (error != null) {
                  failures.add(error);
                } else {
                  decided.incrementAndGet();
                }
              });
        }
        inFlight.acquireUninterruptibly(16);
      });

      int joined = cluster.addNode();
      String joinedId = cluster.node(joined).id();
      List<List<String>> withFour = new PlacementRing(List.of("n1", "n2", "n3", "n4"))
          .placement(GROUPS, REPLICATION);
      await(cluster, "n4 a member, holding what the ring of four nodes gives it", () -> {
        ClusterMetadata m = cluster.node(0).metadata();
        return m.members().containsKey(joinedId) && placedAs(m, withFour)
            && hostsExactly(cluster, joined, withFour);
      });
      long moved = 0;
      for (List<String> replicas : withFour) {
        moved += replicas.contains(joinedId) ? 1 : 0;
      }
      assertTrue(moved >= 1, "the new node got at least one replica");
      assertTrue(moved <= 1.5 * REPLICATION / 4 * GROUPS * REPLICATION,
          moved + " replicas moved, more than the ring's bound");

      try (Admin admin = new Admin(cluster.node(0).clientAddress())) {
        admin.stub().drain(DrainRequest.newBuilder().setNodeId(joinedId).build());
      }
      List<List<String>> withThree = new PlacementRing(List.of("n1", "n2", "n3"))
          .placement(GROUPS, REPLICATION);
      await(cluster, "n4 drained and removed", () -> {
        ClusterMetadata m = cluster.node(0).metadata();
        return !m.members().containsKey(joinedId) && placedAs(m, withThree)
            && cluster.node(joined).status().getGroupsCount() == 0;
      });
      cluster.stop(joined);
      Thread.sleep(500);
      loading.set(false);
      load.join();

      assertTrue(failures.isEmpty(), failures.size() + " requests failed during planned changes ("
          + decided.get() + " decided); first: " + failures.peek());
      assertTrue(decided.get() > 100, "the load ran: " + decided.get());
    }
  }

  private static boolean placedAs(ClusterMetadata metadata, List<List<String>> placement) {
    for (int g = 0; g < GROUPS; g++) {
      List<String> recorded = metadata.membership().replicas().get(g);
      List<String> current = recorded != null ? recorded
          : new PlacementRing(List.of("n1", "n2", "n3")).placement(GROUPS, REPLICATION).get(g);
      if (!Set.copyOf(current).equals(Set.copyOf(placement.get(g)))) {
        return false;
      }
    }
    return true;
  }

  private static boolean hostsExactly(LocalCluster cluster, int node, List<List<String>> placement) {
    List<Integer> hosted = new ArrayList<>();
    cluster.node(node).status().getGroupsList().forEach(g -> hosted.add(g.getIndex()));
    List<Integer> wanted = new ArrayList<>();
    for (int g = 0; g < GROUPS; g++) {
      if (placement.get(g).contains(cluster.node(node).id())) {
        wanted.add(g);
      }
    }
    return Set.copyOf(hosted).equals(Set.copyOf(wanted));
  }

  private static AcquireRequest acquire(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(1_000_000).setRefillPerSecond(1)).build();
  }

  /** A NodeAdmin stub on its own channel. */
  private record Admin(ManagedChannel channel) implements AutoCloseable {
    Admin(String address) {
      this(ManagedChannelBuilder.forTarget(address).usePlaintext().build());
    }

    NodeAdminGrpc.NodeAdminBlockingStub stub() {
      return NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      channel.shutdownNow();
    }
  }
}
