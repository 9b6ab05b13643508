package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class MedianRunTest {
  private record Run(String name, double perSecond) {}

  @Test
  void picksTheMiddleRunByThroughput() {
    List<Run> runs = List.of(new Run("a", 900), new Run("b", 1200), new Run("c", 1000));
    assertEquals("c", MedianRun.of(runs, Run::perSecond).name());
    assertEquals("a", MedianRun.of(List.of(new Run("a", 5)), Run::perSecond).name());
  }

  @Test
  void takesTheLowerMiddleOfAnEvenCount() {
    List<Run> runs = List.of(new Run("a", 900), new Run("b", 1200), new Run("c", 1000),
        new Run("d", 1100));
    assertEquals("c", MedianRun.of(runs, Run::perSecond).name());
  }

  @Test
  void needsARun() {
    assertThrows(IllegalArgumentException.class, () -> MedianRun.of(List.<Run>of(),
        Run::perSecond));
  }
}
