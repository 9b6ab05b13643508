package io.raftlimiter.bench;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.bench.cluster.ClusterKind;
import io.raftlimiter.bench.load.ClientKind;
import io.raftlimiter.bench.measure.SettleRule;
import io.raftlimiter.bench.redis.RedisBaseline;
import io.raftlimiter.bench.workload.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A validated benchmark run: the workload, the raftlimiter modes, client kinds and Redis rows
 * to measure, and where the cluster comes from.
 *
 * @param cluster node processes started with rlctl, an embedded cluster, or an existing one
 * @param rlctl {@code scripts/rlctl}, for process clusters
 * @param nodeJvmOptions JVM option sets of the node processes, one cluster per set, in turn; a
 *     null set is rlctl's default
 * @param endpoints an existing cluster's nodes, or empty
 * @param groupCounts data groups of the started cluster; one cluster per value, in turn
 * @param settingSets node settings added to {@code settings}, one cluster per set, in turn (one
 *     empty set when none are compared)
 * @param warmupSeconds the embedded cluster's fixed warm-up (shared out over the targets)
 * @param settle when a process or existing cluster's warm-up is done
 * @param runs measured runs per target; the median one is reported
 * @param killAtSeconds stop the embedded cluster's group-0 leader this far into each measured
 *     raftlimiter phase (restarted after the phase), or a negative value for no kill
 * @param ping whether to measure the floor of a gRPC round trip to the nodes (a health check
 *     per call, {@code ping} row) beside the modes
 * @param raftFloorOps acquires per entry of the {@code raft floor} row (a Ratis group of node
 *     processes with a state machine that applies nothing), or 0 for no such row
 */
record BenchPlan(Workload workload, List<Consistency> modes, List<ClientKind> clients,
    List<RedisBaseline> redis, String redisBinary, int redisConnections,
    double seconds, double warmupSeconds, SettleRule settle, double modeWarmupSeconds, int runs,
    long capacity, double refillPerSecond, boolean limitInRequest, ClusterKind cluster,
    Path rlctl, List<String> nodeJvmOptions, int nodes, List<Integer> groupCounts,
    Map<String, String> settings, List<Map<String, String>> settingSets,
    List<String> endpoints, double killAtSeconds,
    Duration callDeadline, long seed, boolean ping, int raftFloorOps) {

  private static final Pattern COLLECTOR = Pattern.compile("-XX:\\+Use(\\w+)GC\\b");

  static String modeName(Consistency mode) {
    return mode.name().replace("CONSISTENCY_", "");
  }

  /**
   * A short name for a set of node JVM options, for row names: the collector it chooses (the
   * last {@code -XX:+Use...GC}, as the JVM reads them) when no other set chooses the same one,
   * else its place among the sets.
   *
   * @param sets the sets of the run, null for rlctl's default
   * @param index the place of the one to name, from 0
   */
  static String jvmLabel(List<String> sets, int index) {
    String options = sets.get(index);
    if (options == null) {
      return "default-jvm";
    }
    String collector = collector(options);
    long sameCollector = sets.stream()
        .filter(set -> set != null && collector != null && collector.equals(collector(set)))
        .count();
    return collector != null && sameCollector == 1 ? collector + "GC" : "jvm" + (index + 1);
  }

  private static String collector(String options) {
    Matcher matcher = COLLECTOR.matcher(options);
    String collector = null;
    while (matcher.find()) {
      collector = matcher.group(1);
    }
    return collector;
  }
}
