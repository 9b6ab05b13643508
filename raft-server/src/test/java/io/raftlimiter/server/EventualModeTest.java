package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * EVENTUAL on a real 3-node cluster. The bound checked is the one docs/DESIGN.md derives: at any
 * time the cluster has admitted at most {@code C + R·t + (N-1)·(C + R·D)}, D being how stale a
 * node's view can be (a sync period); here D is taken as a generous 1 s. Without the syncs three
 * nodes could admit {@code 3·(C + R·t)}, well above the bound, so the test tells them apart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class EventualModeTest {
  private static final int NODES = 3;
  private static final double STALENESS_SECONDS = 1.0;

  @TempDir Path dir;

  private ClusterFixture start() throws Exception {
    return ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.EVENTUAL_SYNC_INTERVAL_MS, 10));
  }

  private static double bound(long capacity, double refill, double seconds) {
    return capacity + refill * seconds + (NODES - 1) * (capacity + refill * STALENESS_SECONDS);
  }

  @Test
  void aHotKeyStaysWithinTheBound() throws Exception {
    long capacity = 50;
    double refill = 40;
    try (ClusterFixture fixture = start()) {
      ModeLoad load = new ModeLoad(fixture, "hot", capacity, refill,
          Consistency.CONSISTENCY_EVENTUAL, 16).run(5, null);
      assertEquals(0, load.failed(), load.toString());
      double allowance = capacity + refill * load.seconds();
      assertTrue(load.allowed() <= bound(capacity, refill, load.seconds()),
          load + ": above the bound " + bound(capacity, refill, load.seconds()));
      assertTrue(load.allowed() >= 0.8 * allowance, load + ": far below C + R·t " + allowance);
      for (int i = 0; i < NODES; i++) {
        assertTrue(load.allowedThrough(i) > 0, "node " + i + " admitted nothing: " + load);
      }
      // every admitted hit reaches the group: nothing owed once the syncs have run
      fixture.await("every hit charged", Duration.ofSeconds(10),
          () -> charged(fixture) == load.allowed());
    }
  }

  @Test
  void chargedHitsLeaveADebtThatStrongDecisionsSee() throws Exception {
    long capacity = 100;
    try (ClusterFixture fixture = start()) {
      AcquireRequest eventual = request("debt", capacity, 0.001).toBuilder()
          .setConsistency(Consistency.CONSISTENCY_EVENTUAL).build();
      // each node believes the whole bucket is there until it hears of the others' hits
      long allowed = 0;
      for (int i = 0; i < 60; i++) {
        for (int node = 0; node < NODES; node++) {
          allowed += fixture.client(node).acquire(eventual).getAllowed() ? 1 : 0;
        }
      }
      long admitted = allowed;
      fixture.await("every hit charged", Duration.ofSeconds(10),
          () -> charged(fixture) == admitted);
      assertTrue(allowed >= capacity, "allowed " + allowed);
      assertTrue(allowed <= capacity + (NODES - 1) * capacity, "allowed " + allowed);
      // the bucket owes what was over-admitted: STRONG refuses...
      assertFalse(fixture.client(0).acquire(request("debt", capacity, 0.001)).getAllowed());
      // ...and so does every node once a sync has brought its view up to date (a touched key's
      // view is read back every sync interval)
      for (int node = 0; node < NODES; node++) {
        fixture.client(node).acquire(eventual);
      }
      Thread.sleep(200);
      for (int node = 0; node < NODES; node++) {
        assertFalse(fixture.client(node).acquire(eventual).getAllowed(), "node " + node);
      }
    }
  }

  @Test
  void aKilledNodeCostsNoMoreThanTheBound() throws Exception {
    long capacity = 50;
    double refill = 40;
    try (ClusterFixture fixture = start()) {
      int victim = 2;
      ModeLoad load = new ModeLoad(fixture, "crash", capacity, refill,
          Consistency.CONSISTENCY_EVENTUAL, 16);
      load.run(5, () -> {
        load.stopSendingTo(victim);
        fixture.cluster().crash(victim);
      });
      double bound = bound(capacity, refill, load.seconds());
      assertTrue(load.allowed() <= bound, load + ": above the bound " + bound);
      assertTrue(load.allowedThrough(0) > 0 && load.allowedThrough(1) > 0, load.toString());
    }
  }

  /**
   * A node cut off from its group (here: the group's other replicas stop, so none of its syncs
   * is acknowledged) decides from its view for at most {@code eventual.max-staleness-ms}, then
   * refuses until it can sync again, however many tokens its view still shows: what it admits
   * unseen, and the debt that leaves the key in, stay bounded by that time. (Before the bound, a
   * view of a large bucket kept admitting until its hits had used up the whole of it: here for
   * as long as the cut lasted.) Once the group is back, every hit it admitted is charged.
   */
  @Test
  void aNodeCutOffFromItsGroupAdmitsForNoLongerThanItsMaximumStaleness() throws Exception {
    int staleMillis = 1_000;
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b
        .set(NodeConfigKeys.EVENTUAL_SYNC_INTERVAL_MS, 10)
        .set(NodeConfigKeys.EVENTUAL_MAX_STALENESS_MS, staleMillis)
        .set(NodeConfigKeys.REQUEST_TIMEOUT_MS, 1_000))) {
      AcquireRequest eventual = request("cut-off", 1_000, 1).toBuilder()
          .setConsistency(Consistency.CONSISTENCY_EVENTUAL).build();
      assertTrue(fixture.client(0).acquire(eventual).getAllowed());
      fixture.await("the first hit charged", Duration.ofSeconds(10), () -> charged(fixture) == 1);

      fixture.cluster().stop(1);
      fixture.cluster().stop(2);
      long allowed = 0;
      long lastAllowedMillis = 0;
      long cutNanos = System.nanoTime();
      while (System.nanoTime() - cutNanos < TimeUnit.SECONDS.toNanos(4)) {
        if (fixture.client(0).acquire(eventual).getAllowed()) {
          allowed++;
          lastAllowedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutNanos);
        }
        Thread.sleep(20);
      }
      assertTrue(allowed >= 10, "it decided from its view at first: " + allowed);
      assertTrue(lastAllowedMillis <= staleMillis + 500, "still admitting " + lastAllowedMillis
          + " ms into the cut (" + allowed + " admitted), past the " + staleMillis + " ms bound");

      fixture.cluster().restart(1);
      fixture.cluster().restart(2);
      fixture.cluster().awaitLeaders(ClusterFixture.LEADER_TIMEOUT);
      long admitted = allowed + 1;
      fixture.await("every hit charged once the group is back", Duration.ofSeconds(30),
          () -> charged(fixture) == admitted);
    }
  }

  @Test
  void theNodeDefaultAppliesToUnspecifiedRequests() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir,
        b -> b.set(NodeConfigKeys.DEFAULT_CONSISTENCY, ConsistencyMode.EVENTUAL))) {
      assertTrue(fixture.client(1).acquire(request("default", 5, 1)).getAllowed());
      fixture.await("charged by the default mode", Duration.ofSeconds(10),
          () -> charged(fixture) == 1);
    }
  }

  private static long charged(ClusterFixture fixture) {
    long total = 0;
    for (int i = 0; i < fixture.cluster().size(); i++) {
      if (fixture.cluster().isRunning(i)) {
        total += LeasedModeTest.counter(fixture, i, "raftlimiter_eventual_hits_charged");
      }
    }
    return total;
  }
}
