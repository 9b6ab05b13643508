package io.raftlimiter.bench.cluster;

import java.util.Map;

/**
 * The cluster the bench asks {@code rlctl cluster up} for.
 *
 * @param nodeJvmOptions JVM options of each node, or null for rlctl's default
 * @param tls whether the cluster runs with TLS ({@code cluster up --tls}: certificates in
 *     {@code <dir>/tls/})
 */
public record ClusterSpec(int nodes, int groups, long capacity, double refillPerSecond,
    Map<String, String> settings, String nodeJvmOptions, boolean tls) {}
