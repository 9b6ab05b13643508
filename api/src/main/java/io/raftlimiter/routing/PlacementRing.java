package io.raftlimiter.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Places group replicas on nodes: every node owns {@code pointsPerNode} points on a 64-bit hash
 * ring, a group sits at its own point, and its replicas are the first {@code replication}
 * distinct nodes clockwise from there. Adding or removing a node therefore moves only the
 * replicas near its points — about {@code replication / nodes} of them — and the first replica
 * of each group, its preferred leader, falls on every node about equally often.
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
   * The nodes holding {@code group}'s replicas, preferred leader first; {@code replication} is
   * capped at the number of nodes.
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

  /** Replicas of every group {@code 0..groups-1}. */
  public List<List<String>> placement(int groups, int replication) {
    List<List<String>> result = new ArrayList<>(groups);
    for (int g = 0; g < groups; g++) {
      result.add(replicasOf(g, replication));
    }
    return result;
  }

  private static void addDistinct(List<String> replicas, String node) {
    if (!replicas.contains(node)) {
      replicas.add(node);
    }
  }
}
