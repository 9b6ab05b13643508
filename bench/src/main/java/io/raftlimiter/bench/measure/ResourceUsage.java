package io.raftlimiter.bench.measure;

/**
 * CPU and memory of the process(es) serving a phase, or of the load generator. Negative values
 * mean "not measured" (an existing cluster on other hosts).
 *
 * @param cpuNanos CPU time used during the phase
 * @param seconds the phase's wall time
 * @param heapUsedBytes the JVM's heap in use at the end of the phase (this JVM only)
 * @param rssBytes resident set size at the end of the phase
 * @param what which process(es) the figures cover
 * @param contextSwitches thread context switches (voluntary and not) during the phase, summed over
 *     every thread of the process(es), or -1 when unknown
 * @param compilerNanos CPU time of the JIT compiler threads during the phase, part of
 *     {@code cpuNanos}, or -1 when unknown: the share of the phase that is the JVM still warming up
 */
public record ResourceUsage(long cpuNanos, double seconds, long heapUsedBytes, long rssBytes,
    String what, long contextSwitches, long compilerNanos) {
  public ResourceUsage(long cpuNanos, double seconds, long heapUsedBytes, long rssBytes,
      String what) {
    this(cpuNanos, seconds, heapUsedBytes, rssBytes, what, -1, -1);
  }

  public static ResourceUsage unknown(String why) {
    return new ResourceUsage(-1, 0, -1, -1, why);
  }

  /**
   * Context switches per decision: how many times a thread of the serving side went to sleep or
   * was preempted for each decision, the count of hand-offs that CPU time alone does not show.
   * NaN when unknown or nothing was decided.
   */
  public double contextSwitchesPer(long decisions) {
    return contextSwitches < 0 || decisions <= 0 ? Double.NaN
        : (double) contextSwitches / decisions;
  }

  /** CPU time over wall time, or -1 when unknown. */
  public double cpuCores() {
    return cpuNanos < 0 || seconds <= 0 ? -1 : cpuNanos / 1e9 / seconds;
  }

  /** The JIT compiler threads' CPU time over wall time, or -1 when unknown. */
  public double compilerCores() {
    return compilerNanos < 0 || seconds <= 0 ? -1 : compilerNanos / 1e9 / seconds;
  }

  /** CPU time per decision in microseconds, or NaN when unknown or nothing was decided. */
  public double cpuMicrosPer(long decisions) {
    return cpuNanos < 0 || decisions <= 0 ? Double.NaN : cpuNanos / 1000.0 / decisions;
  }
}
