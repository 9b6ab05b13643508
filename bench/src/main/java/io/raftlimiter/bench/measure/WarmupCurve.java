package io.raftlimiter.bench.measure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The rates a warm-up's windows reached, per target, and when: how long a cluster took to come
 * within a fraction of the rate later measured (issue 20's warm-up row: from {@code cluster up}
 * to 90% of the steady throughput). A window counts at its end, measured from the origin the
 * caller chose (when {@code cluster up} began). Pure; not thread-safe.
 */
public final class WarmupCurve {
  /** One warm-up window of one target. */
  public record Window(double endSeconds, double perSecond) {}

  private final Map<String, List<Window>> windows = new LinkedHashMap<>();

  /** Records a window of {@code target} that ended {@code endSeconds} after the origin. */
  public void add(String target, double endSeconds, double perSecond) {
    windows.computeIfAbsent(target, t -> new ArrayList<>()).add(new Window(endSeconds, perSecond));
  }

  /** The windows of {@code target}, in the order they ran. */
  public List<Window> windows(String target) {
    return List.copyOf(windows.getOrDefault(target, List.of()));
  }

  /**
   * When {@code target} first reached {@code fraction} of {@code steadyPerSecond}: the end of
   * its first window at or above it, in seconds from the origin; empty when no window did (the
   * warm-up ended first) or the steady rate is unknown.
   */
  public OptionalDouble reached(String target, double fraction, double steadyPerSecond) {
    if (!(steadyPerSecond > 0)) {
      return OptionalDouble.empty();
    }
    for (Window w : windows.getOrDefault(target, List.of())) {
      if (w.perSecond() >= fraction * steadyPerSecond) {
        return OptionalDouble.of(w.endSeconds());
      }
    }
    return OptionalDouble.empty();
  }
}
