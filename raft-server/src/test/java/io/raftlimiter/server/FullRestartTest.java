package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node stops and starts again on its data: bucket state survives, whether it is rebuilt
 * by replaying the whole log or from a snapshot plus the log after it. Buckets refill at 0.001
 * tokens per second, so a drained one stays drained across the restart.
 */
@Tag("cluster")
class FullRestartTest {
  private static final long CAPACITY = 50;
  private static final double REFILL_PER_SECOND = 0.001;
  private static final int PARTIAL = 10;

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void stateSurvivesByLogReplayAlone() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b
        .set(NodeConfigKeys.SNAPSHOT_THRESHOLD_ENTRIES, 1_000_000L))) {
      drain(fixture, "drained");
      consume(fixture, "partial", PARTIAL);
      for (int i = 0; i < 3; i++) {
        assertEquals(-1, fixture.snapshotIndex(i), "node " + i + " took a snapshot");
      }

      restartAll(fixture);

      assertStateSurvived(fixture);
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void stateSurvivesBySnapshotPlusLogReplay() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b
        .set(NodeConfigKeys.SNAPSHOT_THRESHOLD_ENTRIES, 60L)
        .set(NodeConfigKeys.BATCH_MAX_OPS, 1))) { // one acquire per entry: entries are counted
      drain(fixture, "drained");
      long drainedAt = fixture.appliedIndex(fixture.awaitLeader());
      // Add entries one at a time until every node has a snapshot that holds the drained bucket.
      int filler = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!everyNodeSnapshotted(fixture, drainedAt)) {
        assertTrue(System.nanoTime() < deadline, "no snapshot past " + drainedAt + " on every node\n"
            + fixture.describe());
        assertTrue(fixture.client(filler % 3).acquire(request("filler", 1_000, 1)).getAllowed());
        filler++;
      }
      // Work after the snapshot: lives in the log only.
      consume(fixture, "partial", PARTIAL);
      long lastIndex = fixture.appliedIndex(fixture.awaitLeader());
      for (int i = 0; i < 3; i++) {
        long snapshot = fixture.snapshotIndex(i);
        assertTrue(snapshot >= drainedAt && snapshot < lastIndex,
            "premise: node " + i + "'s snapshot " + snapshot + " holds the drain (" + drainedAt
                + ") but not the last entry (" + lastIndex + ")\n" + fixture.describe());
      }

      restartAll(fixture);

      for (int i = 0; i < 3; i++) {
        assertTrue(fixture.snapshotIndex(i) >= drainedAt, "node " + i + " lost its snapshot");
      }
      assertStateSurvived(fixture);
    }
  }

  /** Takes every token of {@code key}'s bucket, through all nodes in turn. */
  private static void drain(ClusterFixture fixture, String key) {
    for (int i = 0; i < CAPACITY; i++) {
      AcquireResponse response = fixture.client(i % 3).acquire(request(key, CAPACITY, REFILL_PER_SECOND));
      assertTrue(response.getAllowed(), key + " acquire " + i);
      assertEquals(CAPACITY - 1 - i, response.getRemaining());
    }
    assertFalse(fixture.client(0).acquire(request(key, CAPACITY, REFILL_PER_SECOND)).getAllowed(),
        key + " is drained");
  }

  private static void consume(ClusterFixture fixture, String key, int count) {
    for (int i = 0; i < count; i++) {
      assertTrue(fixture.client(i % 3).acquire(request(key, CAPACITY, REFILL_PER_SECOND)).getAllowed());
    }
  }

  private static boolean everyNodeSnapshotted(ClusterFixture fixture, long index) {
    for (int i = 0; i < 3; i++) {
      if (fixture.snapshotIndex(i) < index) {
        return false;
      }
    }
    return true;
  }

  private static void restartAll(ClusterFixture fixture) throws Exception {
    var cluster = fixture.cluster();
    for (int i = 0; i < cluster.size(); i++) {
      cluster.stop(i);
    }
    for (int i = 0; i < cluster.size(); i++) {
      cluster.restart(i);
    }
    fixture.awaitLeader();
  }

  /** After the restart: drained stays drained, partly used stays partly used, fresh is full. */
  private static void assertStateSurvived(ClusterFixture fixture) {
    for (int i = 0; i < 3; i++) {
      AcquireResponse drained = fixture.client(i).acquire(request("drained", CAPACITY, REFILL_PER_SECOND));
      assertFalse(drained.getAllowed(), "through node " + i + ", the drained bucket allowed again");
      assertEquals(0, drained.getRemaining());
      assertTrue(drained.getRetryAfterMillis() > 0);
    }
    AcquireResponse partial = fixture.client(1).acquire(request("partial", CAPACITY, REFILL_PER_SECOND));
    assertTrue(partial.getAllowed());
    assertEquals(CAPACITY - PARTIAL - 1, partial.getRemaining(), "partial bucket after the restart");
    AcquireResponse fresh = fixture.client(2).acquire(request("fresh", CAPACITY, REFILL_PER_SECOND));
    assertTrue(fresh.getAllowed());
    assertEquals(CAPACITY - 1, fresh.getRemaining(), "a key never seen starts full");
  }
}
