package io.raftlimiter.bench.report;

/**
 * How a cluster's warm-up went.
 *
 * @param cluster which cluster (e.g. "1 group")
 * @param seconds how long it ran
 * @param outcome whether throughput settled, or that the warm-up had a fixed length
 */
public record Warmup(String cluster, double seconds, Outcome outcome) {
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
