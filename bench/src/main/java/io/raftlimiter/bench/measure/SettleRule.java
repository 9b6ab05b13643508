package io.raftlimiter.bench.measure;

/**
 * When a warm-up has done its job: the JIT of the nodes and of the load generator takes a while
 * (about a minute on 2 cores, more when busy), and a fixed warm-up is either too short on a busy
 * machine or wasted on an idle one. So the warm-up runs in rounds (one window of
 * {@code windowSeconds} per target, targets in turn) and stops once every target's decisions/s in
 * the last round is within {@code tolerance} of its rate in the round before, but not before
 * {@code minSeconds}, and never past {@code maxSeconds}. Pure: the caller measures, this decides.
 *
 * @param tolerance allowed relative change between rounds, e.g. 0.05 for 5%
 */
public record SettleRule(double windowSeconds, double minSeconds, double maxSeconds,
    double tolerance) {

  /** What to do after a round. */
  public enum Verdict { GO_ON, SETTLED, GAVE_UP }

  public SettleRule {
    if (!(windowSeconds > 0) || minSeconds < 0 || maxSeconds < 0 || !(tolerance > 0)) {
      throw new IllegalArgumentException("warm-up: window and tolerance must be > 0, min and "
          + "max >= 0");
    }
  }

  /**
   * @param elapsedSeconds warm-up time so far, this round included
   * @param previousRates each target's decisions/s in the round before, or null after the first
   * @param currentRates each target's decisions/s in this round
   */
  public Verdict judge(double elapsedSeconds, double[] previousRates, double[] currentRates) {
    if (previousRates != null && elapsedSeconds >= minSeconds
        && allClose(previousRates, currentRates)) {
      return Verdict.SETTLED;
    }
    double nextRoundSeconds = windowSeconds * currentRates.length;
    return elapsedSeconds + nextRoundSeconds > maxSeconds + 1e-9 ? Verdict.GAVE_UP : Verdict.GO_ON;
  }

  private boolean allClose(double[] previous, double[] current) {
    if (previous.length != current.length) {
      throw new IllegalArgumentException(previous.length + " rates before, " + current.length
          + " now");
    }
    for (int i = 0; i < current.length; i++) {
      if (!close(previous[i], current[i])) {
        return false;
      }
    }
    return true;
  }

  /** Within {@code tolerance} of the larger of the two (two zeros are close). */
  boolean close(double before, double now) {
    double larger = Math.max(Math.abs(before), Math.abs(now));
    return larger == 0 || Math.abs(now - before) < tolerance * larger;
  }
}
