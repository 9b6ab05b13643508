package io.raftlimiter.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Places group replicas on nodes: every node owns {@code pointsPerNode} points on a 64-bit hash
 * ring, a group sits at its own point, and its replicas are the first {@code replication}
 * distinct nodes clockwise from there. Adding or removing a node therefore moves only the
 * replicas near its points — about {@code replication / nodes} of them. {@link #placement} also
 * names each group's preferred leader so that leadership is spread evenly.
 *
 * <p>Pure and deterministic: the same node ids give the same placement everywhere.
 */
public final class PlacementRing {
  public static final int DEFAULT_POINTS_PER_NODE = 128;

  private final TreeMap<Long, String> points = new TreeMap<>();
  private final TreeSet<String> nodes = new TreeSet<>();

  public PlacementRing(Collection<String> nodeIds, int pointsPerNode) {
    if (pointsPerNode < 1) {
      throw new IllegalArgumentException("pointsPerNode must be >= 1, got " + pointsPerNode);
    }
    for (String node : nodeIds) {
      if (!nodes.add(node)) {
        throw new IllegalArgumentException("duplicate node id " + node);
      }
      for (int i = 0; i < pointsPerNode; i++) {
        // Ties between nodes' points are broken by node id, so the ring never depends on order.
        points.merge(KeyHash.of("node/" + node + "/" + i), node,
            (a, b) -> a.compareTo(b) <= 0 ? a : b);
      }
    }
  }

  public PlacementRing(Collection<String> nodeIds) {
    this(nodeIds, DEFAULT_POINTS_PER_NODE);
  }

  public int nodeCount() {
    return nodes.size();
  }

  /**
   * The nodes holding {@code group}'s replicas, in ring order; {@code replication} is capped at
   * the number of nodes.
   */
  public List<String> replicasOf(int group, int replication) {
    if (replication < 1) {
      throw new IllegalArgumentException("replication must be >= 1, got " + replication);
    }
    if (nodes.isEmpty()) {
      throw new IllegalStateException("no nodes on the ring");
    }
    int wanted = Math.min(replication, nodes.size());
    List<String> replicas = new ArrayList<>(wanted);
    long start = KeyHash.of("group/" + group);
    for (Map.Entry<Long, String> e : points.tailMap(start, true).entrySet()) {
      addDistinct(replicas, e.getValue());
      if (replicas.size() == wanted) {
        return replicas;
      }
    }
    for (Map.Entry<Long, String> e : points.headMap(start, false).entrySet()) {
      addDistinct(replicas, e.getValue());
      if (replicas.size() == wanted) {
        return replicas;
      }
    }
    return replicas;
  }

  /**
   * Replicas of every group {@code 0..groups-1}, each list led by the group's preferred leader.
   *
   * <p>The ring decides where replicas go; the preferred leader is then chosen among a group's
   * replicas, group by group, as the one that leads fewest groups so far (ties go to ring order).
   * Taking the first replica instead would leave leadership as uneven as the ring is for few
   * groups — one node of four leading four groups of six, say — and leaders do the most work.
   */
  public List<List<String>> placement(int groups, int replication) {
    List<List<String>> result = new ArrayList<>(groups);
    Map<String, Integer> leads = new HashMap<>();
    for (int g = 0; g < groups; g++) {
      List<String> replicas = new ArrayList<>(replicasOf(g, replication));
      String leader = replicas.get(0);
      for (String candidate : replicas) {
        if (leads.getOrDefault(candidate, 0) < leads.getOrDefault(leader, 0)) {
          leader = candidate;
        }
      }
      replicas.remove(leader);
      replicas.add(0, leader);
      leads.merge(leader, 1, Integer::sum);
      result.add(List.copyOf(replicas));
    }
    return result;
  }

  private static void addDistinct(List<String> replicas, String node) {
    if (!replicas.contains(node)) {
      replicas.add(node);
    }
  }
}
