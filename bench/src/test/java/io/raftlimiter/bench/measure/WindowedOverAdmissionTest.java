package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowedOverAdmissionTest {
  /** C = 10, R = 100/s: a token each 10,000 µs. */
  private final WindowedOverAdmission check = new WindowedOverAdmission(10, 100.0);

  private static long[] admission(long sentMicros, long answeredMicros) {
    return new long[] {sentMicros, answeredMicros, 1};
  }

  @Test
  void aBucketSpentAtItsRateIsNeverOver() {
    List<long[]> admissions = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      admissions.add(admission(0, 100)); // the full bucket
    }
    for (int i = 1; i <= 100; i++) {
      admissions.add(admission(i * 10_000L, i * 10_000L + 100)); // a token each 10 ms
    }
    assertEquals(0, check.maxExcess(admissions.toArray(long[][]::new)));
  }

  /**
   * Quiet for a second, then 15 at once: from the first admission to the last the count is well
   * within C + R·t, but the burst is 5 over.
   */
  @Test
  void aBurstAfterAQuietSpellIsCountedThoughTheTotalIsWithin() {
    List<long[]> admissions = new ArrayList<>();
    admissions.add(admission(0, 100));
    for (int i = 0; i < 15; i++) {
      admissions.add(admission(1_000_000, 1_000_500));
    }
    assertEquals(5, check.maxExcess(admissions.toArray(long[][]::new)));
  }

  /** An admission whose interval reaches outside a window is not counted in it. */
  @Test
  void anAnswerLateEnoughToSpreadTheBurstExcusesIt() {
    List<long[]> admissions = new ArrayList<>();
    for (int i = 0; i < 15; i++) {
      // sent together, answered over 60 ms: the server may have spread them over 60 ms
      admissions.add(admission(0, i * 4_000L + 1));
    }
    // the window holding all 15 lasts 56 ms: C + R·t = 15.6, so nothing is over for sure
    assertEquals(0, check.maxExcess(admissions.toArray(long[][]::new)));
  }
}
