package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.Decision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OutcomeRingTest {
  private record Key(long high, long low) {}

  /**
   * Adds and removals in a random order, growing past the first arrays and shrinking back, held
   * against a map and a queue: every digest held is found with its decision, none other is, and
   * the records are visited oldest first.
   */
  @Test
  void agreesWithAMapAndAQueueThroughGrowthAndShrinking() {
    SplittableRandom random = new SplittableRandom(7);
    OutcomeRing ring = new OutcomeRing(5_000);
    Map<Key, Decision> held = new HashMap<>();
    ArrayDeque<Key> order = new ArrayDeque<>();
    List<Key> gone = new ArrayList<>();
    for (int step = 0; step < 60_000; step++) {
      // Fill towards the bound in the first half, drain in the second, so both resizes run.
      boolean adding = step < 30_000 ? random.nextInt(10) < 7 : random.nextInt(10) < 3;
      if (adding && !ring.isFull()) {
        // Few distinct high halves, so digests share index homes and probe past each other.
        Key key = new Key(random.nextInt(64), random.nextLong());
        Decision decision = new Decision(random.nextBoolean(), random.nextInt(100),
            random.nextInt(1000), random.nextInt(10));
        ring.add(key.high(), key.low(), step, decision);
        held.put(key, decision);
        order.add(key);
      } else if (!order.isEmpty()) {
        assertEquals(held.size(), ring.size());
        Key oldest = order.poll();
        assertEquals(expiresOf(ring, oldest), ring.oldestExpires());
        ring.removeOldest();
        held.remove(oldest);
        gone.add(oldest);
      }
      if (step % 997 == 0) {
        for (Map.Entry<Key, Decision> e : held.entrySet()) {
          int position = ring.find(e.getKey().high(), e.getKey().low());
          assertTrue(position >= 0, "held record found");
          assertEquals(e.getValue(), ring.decision(position, false));
        }
        for (Key key : gone.subList(Math.max(0, gone.size() - 500), gone.size())) {
          assertEquals(-1, ring.find(key.high(), key.low()), "removed record not found");
        }
        List<Key> visited = new ArrayList<>();
        ring.forEach((high, low, expires, allowed, remaining, retry, granted) ->
            visited.add(new Key(high, low)));
        assertEquals(new ArrayList<>(order), visited, "visited oldest first");
      }
    }
  }

  @Test
  void aFullTableTakesNoMore() {
    OutcomeRing ring = new OutcomeRing(3);
    for (int i = 0; i < 3; i++) {
      ring.add(0, i, i, new Decision(true, 0, 0));
    }
    assertTrue(ring.isFull());
    assertThrows(IllegalStateException.class, () -> ring.add(0, 9, 9, new Decision(true, 0, 0)));
    ring.removeOldest();
    ring.add(0, 9, 9, new Decision(false, 1, 2, 3));
    assertEquals(-1, ring.find(0, 0));
    assertEquals(new Decision(false, 1, 2, 3, true), ring.decision(ring.find(0, 9), true));
  }

  private static long expiresOf(OutcomeRing ring, Key key) {
    long[] found = {Long.MIN_VALUE};
    ring.forEach((high, low, expires, allowed, remaining, retry, granted) -> {
      if (high == key.high() && low == key.low()) {
        found[0] = expires;
      }
    });
    return found[0];
  }
}
