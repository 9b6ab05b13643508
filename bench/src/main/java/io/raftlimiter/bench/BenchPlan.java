package io.raftlimiter.bench;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.bench.redis.RedisServer;
import io.raftlimiter.bench.workload.Workload;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated benchmark run: the workload, the raftlimiter modes and Redis setups to measure, and
 * where the cluster comes from.
 *
 * @param endpoints an existing cluster's nodes, or empty to start an embedded one
 * @param groupCounts data groups of the embedded cluster; one cluster per value, in turn
 * @param killAtSeconds stop the embedded cluster's group-0 leader this far into each measured
 *     raftlimiter phase (restarted after the phase), or a negative value for no kill
 */
record BenchPlan(Workload workload, List<Consistency> modes, List<RedisServer.Persistence> redis,
    String redisBinary, int redisConnections, double seconds, double warmupSeconds,
    double modeWarmupSeconds, long capacity, double refillPerSecond, boolean limitInRequest,
    int nodes, List<Integer> groupCounts, Map<String, String> settings, List<String> endpoints,
    double killAtSeconds, Duration callDeadline, long seed) {

  boolean embedded() {
    return endpoints.isEmpty();
  }

  static String modeName(Consistency mode) {
    return mode.name().replace("CONSISTENCY_", "");
  }
}
