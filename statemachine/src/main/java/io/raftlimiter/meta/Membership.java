package io.raftlimiter.meta;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which members are dead, and where each data group's replicas are now, immutable. A group with
 * no entry in {@code replicas} is still where the cluster's shape first placed it.
 */
public record Membership(SortedSet<String> dead, SortedMap<Integer, List<String>> replicas) {
  public static final Membership INITIAL = new Membership(new TreeSet<>(), new TreeMap<>());

  public Membership {
    dead = Collections.unmodifiableSortedSet(new TreeSet<>(dead));
    TreeMap<Integer, List<String>> copy = new TreeMap<>();
    replicas.forEach((group, nodes) -> copy.put(group, List.copyOf(nodes)));
    replicas = Collections.unmodifiableSortedMap(copy);
  }

  Membership withDead(String node, boolean isDead) {
    TreeSet<String> next = new TreeSet<>(dead);
    if (isDead) {
      next.add(node);
    } else {
      next.remove(node);
    }
    return new Membership(next, replicas);
  }

  Membership withReplicas(int group, List<String> nodes) {
    TreeMap<Integer, List<String>> next = new TreeMap<>(replicas);
    next.put(group, nodes);
    return new Membership(dead, next);
  }
}
