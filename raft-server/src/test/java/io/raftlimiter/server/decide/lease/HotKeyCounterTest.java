package io.raftlimiter.server.decide.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.routing.KeyHash;
import org.junit.jupiter.api.Test;

class HotKeyCounterTest {
  @Test
  void countsAKeyAcrossTheCurrentAndThePreviousWindowOnly() {
    HotKeyCounter counter = new HotKeyCounter(1024);
    long hot = KeyHash.of("hot");
    for (int i = 1; i <= 50; i++) {
      assertEquals(i, counter.record(hot));
    }
    counter.rotate();
    assertEquals(50, counter.record(hot), "the previous window still counts");
    counter.rotate();
    counter.rotate();
    assertEquals(1, counter.record(hot), "two windows later it starts again");
  }

  @Test
  void neverUnderestimatesAndRarelyMistakesAColdKeyForAHotOne() {
    HotKeyCounter counter = new HotKeyCounter(1 << 16);
    for (int i = 0; i < 100; i++) {
      counter.record(KeyHash.of("hot"));
    }
    int mistaken = 0;
    for (int k = 0; k < 20_000; k++) {
      int estimate = counter.record(KeyHash.of("cold-" + k));
      assertTrue(estimate >= 1);
      if (estimate >= 20) {
        mistaken++;
      }
    }
    assertTrue(mistaken < 20, mistaken + " of 20,000 cold keys looked hot");
    assertTrue(counter.record(KeyHash.of("hot")) >= 101);
  }
}
