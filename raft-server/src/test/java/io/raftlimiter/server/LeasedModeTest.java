package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * LEASED on a real 3-node cluster: a hot key hammered through every node is decided locally
 * within leases, and the cluster never admits more than the bucket holds, also when a node holding
 * a lease is killed. Unused lease tokens go back to the bucket.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class LeasedModeTest {
  private static final int IDLE_MS = 200;

  @TempDir Path dir;

  private ClusterFixture start() throws Exception {
    return ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.LEASE_HOT_HITS_PER_SECOND, 5)
        .set(NodeConfigKeys.LEASE_IDLE_MS, IDLE_MS));
  }

  @Test
  void aHotKeyNeverGetsMoreThanTheBucketHolds() throws Exception {
    long capacity = 60;
    double refill = 40;
    try (ClusterFixture fixture = start()) {
      ModeLoad load = new ModeLoad(fixture, "hot", capacity, refill,
          Consistency.CONSISTENCY_LEASED, 16).run(4, null);
      double allowance = capacity + refill * load.seconds();
      assertEquals(0, load.failed(), load.toString());
      assertTrue(load.allowed() <= allowance, load + ": more than C + R·t = " + allowance);
      // leases were granted on every node, and they served requests without the log
      for (int i = 0; i < fixture.cluster().size(); i++) {
        assertTrue(counter(fixture, i, "raftlimiter_lease_grants") > 0, "node " + i + " got no lease");
        assertTrue(load.allowedThrough(i) > 0, "node " + i + " admitted nothing: " + load);
      }
      // the tokens are used, not locked away in leases
      assertTrue(load.allowed() >= 0.6 * allowance, load + " of " + allowance);
    }
  }

  @Test
  void unusedLeaseTokensGoBackToTheBucket() throws Exception {
    long capacity = 300; // and no refill to speak of: exactly 300 may ever be allowed
    try (ClusterFixture fixture = start()) {
      ModeLoad load = new ModeLoad(fixture, "returns", capacity, 0.001,
          Consistency.CONSISTENCY_LEASED, 8).run(1.5, null);
      assertTrue(load.allowed() <= capacity, load.toString());
      // leases end after IDLE_MS unused; then one node can take everything that is left
      fixture.await("every lease ended", Duration.ofSeconds(10),
          () -> leasedTokens(fixture) == 0);
      long rest = drain(fixture, 0, "returns", capacity);
      assertEquals(capacity, load.allowed() + rest,
          "every token is allowed exactly once: " + load + ", then " + rest);
    }
  }

  @Test
  void aKilledNodeLosesAtMostItsLeaseAndNothingIsOverAdmitted() throws Exception {
    long capacity = 300;
    try (ClusterFixture fixture = start()) {
      int victim = 2;
      ModeLoad load = new ModeLoad(fixture, "crash", capacity, 0.001,
          Consistency.CONSISTENCY_LEASED, 8);
      load.run(3, () -> {
        load.stopSendingTo(victim);
        fixture.cluster().crash(victim);
      });
      assertTrue(load.allowed() <= capacity, load.toString());
      fixture.await("the survivors' leases ended", Duration.ofSeconds(10),
          () -> leasedTokens(fixture) == 0);
      long rest = drain(fixture, 0, "crash", capacity);
      long total = load.allowed() + rest;
      assertTrue(total <= capacity, "over-admitted: " + total);
      // the victim held at most one share (C / (2 × 3)) plus one top-up in flight
      long share = capacity / 6;
      assertTrue(total >= capacity - 2 * share, "lost more than a lease: " + total);
    }
  }

  @Test
  void coldKeysAreDecidedThroughTheLog() throws Exception {
    try (ClusterFixture fixture = start()) {
      AcquireRequest cold = request("cold", 2, 0.001).toBuilder()
          .setConsistency(Consistency.CONSISTENCY_LEASED).build();
      assertTrue(fixture.pinned(1).acquire(cold).getAllowed());
      assertTrue(fixture.pinned(2).acquire(cold).getAllowed());
      AcquireResponse third = fixture.pinned(0).acquire(cold);
      assertFalse(third.getAllowed(), "a bucket of 2 through three nodes, under the hot threshold");
      assertTrue(third.getRetryAfterMillis() > 0);
      assertEquals(0, leasedTokens(fixture));
    }
  }

  /** Takes tokens one STRONG acquire at a time through {@code node} until refused. */
  static long drain(ClusterFixture fixture, int node, String key, long capacity) {
    AcquireRequest strong = request(key, capacity, 0.001).toBuilder()
        .setConsistency(Consistency.CONSISTENCY_STRONG).build();
    long allowed = 0;
    while (fixture.client(node).acquire(strong).getAllowed()) {
      allowed++;
    }
    return allowed;
  }

  private static long leasedTokens(ClusterFixture fixture) {
    long held = 0;
    for (int i = 0; i < fixture.cluster().size(); i++) {
      if (fixture.cluster().isRunning(i)) {
        held += fixture.cluster().node(i).status().getLeasedTokens();
      }
    }
    return held;
  }

  static long counter(ClusterFixture fixture, int node, String name) {
    return fixture.cluster().node(node).metrics().count(name);
  }
}
