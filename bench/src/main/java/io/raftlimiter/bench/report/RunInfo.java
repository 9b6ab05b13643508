package io.raftlimiter.bench.report;

import java.util.List;
import java.util.Map;

/**
 * What was run, where and how: the report's header.
 *
 * @param warmupSeconds the warm-up's length (embedded cluster) or its maximum (until settled)
 * @param runs measured runs per target; the median run's figures are reported
 * @param warmups how each cluster's warm-up went
 */
public record RunInfo(String date, int cores, String java, String command, String target,
    String workload, double seconds, double warmupSeconds, double modeWarmupSeconds,
    long capacity, double refillPerSecond, Map<String, String> settings, int runs,
    List<Warmup> warmups) {}
