package io.raftlimiter.bench.report;

import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.ResourceUsage;

/**
 * One row of the report: a system in one mode (raftlimiter STRONG through the plain client,
 * Redis with AOF, ...).
 *
 * @param client the client kind ({@code plain}, {@code java}), or null for Redis
 * @param measurement null when the row was skipped
 * @param resources the serving side: the node processes, the embedded cluster's JVM (load
 *     generator included), or redis-server
 * @param generator the load generator's own process when it is apart from the serving side, else
 *     null
 * @param skipped why it was skipped, or null
 * @param unanswered calls still unanswered when the phase gave up waiting (should be 0)
 * @param kill the node stopped during the phase, or null
 * @param raftEntries the data groups' log entries committed during the phase, or -1 when not
 *     counted (Redis, a cluster whose status could not be read)
 */
public record PhaseResult(String name, String system, String mode, String client, int groups,
    PhaseMeasurement measurement, ResourceUsage resources, ResourceUsage generator, String skipped,
    int unanswered, Kill kill, long raftEntries) {

  /** The mode of the ping row: gRPC health checks, which decide nothing. */
  public static final String PING = "PING";

  /** A node stopped {@code atSeconds} into the phase. */
  public record Kill(double atSeconds, String node) {}

  public static PhaseResult skipped(String name, String system, String mode, String why) {
    return new PhaseResult(name, system, mode, null, 0, null, null, null, why, 0, null, -1);
  }

  public boolean ran() {
    return measurement != null;
  }

  /** CPU microseconds of the serving side per decision, or NaN when unknown. */
  public double cpuMicrosPerDecision() {
    return ran() && resources != null ? resources.cpuMicrosPer(measurement.decisions())
        : Double.NaN;
  }

  /** Decisions per Raft log entry over the phase, or NaN when not counted. */
  public double decisionsPerEntry() {
    return ran() && raftEntries > 0 ? (double) measurement.decisions() / raftEntries : Double.NaN;
  }

  /** Raft log entries committed per second over the phase, or NaN when not counted. */
  public double entriesPerSecond() {
    return ran() && raftEntries >= 0 && measurement.seconds() > 0
        ? raftEntries / measurement.seconds() : Double.NaN;
  }

  /** Context switches of the serving side per decision, or NaN when unknown. */
  public double contextSwitchesPerDecision() {
    return ran() && resources != null ? resources.contextSwitchesPer(measurement.decisions())
        : Double.NaN;
  }

  /** A raftlimiter mode's row, whose calls say whether they were decided locally. */
  public boolean decidesOnNodes() {
    return ran() && system.equals("raftlimiter") && !PING.equals(mode);
  }

  /** The plain Redis baseline (no persistence), which the {@code x Redis} column divides by. */
  public boolean isRedisBaseline() {
    return ran() && system.equals("redis") && "NONE".equals(mode);
  }
}
