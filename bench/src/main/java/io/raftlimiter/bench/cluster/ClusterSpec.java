package io.raftlimiter.bench.cluster;

import java.util.Map;

/**
 * The cluster the bench asks {@code rlctl cluster up} for.
 *
 * @param nodeJvmOptions JVM options of each node, or null for rlctl's default
 */
public record ClusterSpec(int nodes, int groups, long capacity, double refillPerSecond,
    Map<String, String> settings, String nodeJvmOptions) {}
