package io.raftlimiter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyToGroupTest {
  @ParameterizedTest
  @ValueSource(ints = {8, 12, 64})
  void aMillionRandomKeysSpreadWithinTenPercentOfTheMean(int groups) {
    KeyToGroup map = new KeyToGroup(groups);
    int[] counts = new int[groups];
    SplittableRandom random = new SplittableRandom(groups);
    int keys = 1_000_000;
    for (int i = 0; i < keys; i++) {
      counts[map.groupOf("key-" + random.nextLong())]++;
    }
    double mean = (double) keys / groups;
    for (int g = 0; g < groups; g++) {
      assertTrue(Math.abs(counts[g] - mean) <= 0.10 * mean,
          "group " + g + " has " + counts[g] + " keys, mean " + mean);
    }
  }

  @Test
  void theMappingNeverChanges() {
    // Pinned: every node, every client and every restart must agree on these.
    KeyToGroup twelve = new KeyToGroup(12);
    int[] groups = new int[5];
    for (int i = 0; i < 5; i++) {
      groups[i] = twelve.groupOf("user-" + i);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {8, 0, 3, 0, 10}, groups);
    assertEquals(twelve.groupOf("user-0"), twelve.groupOf("user-0".getBytes(
        java.nio.charset.StandardCharsets.UTF_8)));
    assertEquals(0, new KeyToGroup(1).groupOf("anything"));
  }

  @Test
  void growingTheGroupCountMovesOnlyTheKeysThatMust() {
    SplittableRandom random = new SplittableRandom(3);
    int moved = 0;
    int keys = 200_000;
    for (int i = 0; i < keys; i++) {
      long hash = random.nextLong();
      int before = KeyToGroup.jump(hash, 12);
      int after = KeyToGroup.jump(hash, 13);
      if (before != after) {
        moved++;
        assertEquals(12, after, "a moved key goes to the new group only");
      }
    }
    assertTrue(Math.abs(moved - keys / 13.0) < 0.1 * keys / 13.0, "moved " + moved);
  }

  @Test
  void rejectsNoGroups() {
    assertThrows(IllegalArgumentException.class, () -> new KeyToGroup(0));
  }
}
