package io.raftlimiter.bench.report;

import java.util.List;

/**
 * How a cluster's warm-up went.
 *
 * @param cluster which cluster (e.g. "1 group")
 * @param seconds how long it ran
 * @param outcome whether throughput settled, or that the warm-up had a fixed length
 * @param reached per target, when it first came within {@link #REACHED_FRACTION} of the rate
 *     then measured, counted from when the cluster's start began (node processes only)
 */
public record Warmup(String cluster, double seconds, Outcome outcome, List<Reached> reached) {
  /** The fraction of the measured rate a warm-up is judged by (issue 20: 90%). */
  public static final double REACHED_FRACTION = 0.9;

  /**
   * @param seconds from the start of {@code cluster up} to the end of the first warm-up window
   *     at {@link #REACHED_FRACTION} of the measured rate; NaN when no window was
   */
  public record Reached(String target, double seconds) {}

  public Warmup {
    reached = List.copyOf(reached);
  }

  public Warmup(String cluster, double seconds, Outcome outcome) {
    this(cluster, seconds, outcome, List.of());
  }

  /** This warm-up with when each target reached its measured rate. */
  public Warmup withReached(List<Reached> reached) {
    return new Warmup(cluster, seconds, outcome, reached);
  }

  public enum Outcome {
    /** Two rounds in a row within the tolerance. */
    SETTLED,
    /** Stopped at the maximum without settling: compare its rows with care. */
    NOT_SETTLED,
    /** A fixed length (the embedded cluster). */
    FIXED;

    public String label() {
      return switch (this) {
        case SETTLED -> "settled";
        case NOT_SETTLED -> "not settled";
        case FIXED -> "fixed";
      };
    }
  }
}
