package io.raftlimiter.bench.measure;

/**
 * CPU and memory of the process serving a phase. Negative values mean "not measured" (an
 * existing cluster on other hosts).
 *
 * @param cpuCores CPU time used during the phase divided by its wall time
 * @param heapUsedBytes the JVM's heap in use at the end of the phase (embedded cluster only)
 * @param rssBytes resident set size at the end of the phase
 * @param what which process(es) the figures cover
 */
public record ResourceUsage(double cpuCores, long heapUsedBytes, long rssBytes, String what) {
  public static ResourceUsage unknown(String why) {
    return new ResourceUsage(-1, -1, -1, why);
  }
}
