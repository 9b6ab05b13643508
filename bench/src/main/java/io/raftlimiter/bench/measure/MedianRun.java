package io.raftlimiter.bench.measure;

import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Picks the median of repeated runs of a phase by throughput, and reports that run whole (its
 * latencies, CPU and admission figures belong together; a per-column median would mix runs). With
 * an even count, the lower of the two middle runs: the conservative one.
 */
public final class MedianRun {
  private MedianRun() {}

  public static <T> T of(List<T> runs, ToDoubleFunction<T> decisionsPerSecond) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no runs");
    }
    List<T> sorted = runs.stream().sorted(Comparator.comparingDouble(decisionsPerSecond)).toList();
    return sorted.get((sorted.size() - 1) / 2);
  }
}
