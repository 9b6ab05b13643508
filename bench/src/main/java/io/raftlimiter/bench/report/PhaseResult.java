package io.raftlimiter.bench.report;

import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.ResourceUsage;

/**
 * One row of the report: a system in one mode (raftlimiter STRONG, Redis with AOF, ...).
 *
 * @param measurement null when the row was skipped
 * @param skipped why it was skipped, or null
 * @param unanswered calls still unanswered when the phase gave up waiting (should be 0)
 * @param kill the node stopped during the phase, or null
 */
public record PhaseResult(String name, String system, String mode, int groups,
    PhaseMeasurement measurement, ResourceUsage resources, String skipped, int unanswered,
    Kill kill) {

  /** A node stopped {@code atSeconds} into the phase. */
  public record Kill(double atSeconds, String node) {}

  public static PhaseResult skipped(String name, String system, String mode, String why) {
    return new PhaseResult(name, system, mode, 0, null, null, why, 0, null);
  }

  public boolean ran() {
    return measurement != null;
  }
}
