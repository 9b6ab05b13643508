package io.raftlimiter.bench.report;

import java.util.Map;

/** What was run, where and how: the report's header. */
public record RunInfo(String date, int cores, String java, String command, String target,
    String workload, double seconds, double warmupSeconds, double modeWarmupSeconds,
    long capacity, double refillPerSecond, Map<String, String> settings) {}
