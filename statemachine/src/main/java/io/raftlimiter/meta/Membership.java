package io.raftlimiter.meta;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * How the membership has changed since the cluster was created, immutable: members that joined
 * ({@code id → id=host:raftPort:clientPort}), members leaving (being drained) or removed, members
 * the controller found dead, and where each data group's replicas are now. A group with no entry
 * in {@code replicas} is still where the cluster's shape first placed it.
 */
public record Membership(SortedMap<String, String> joined, SortedSet<String> leaving,
    SortedSet<String> removed, SortedSet<String> dead,
    SortedMap<Integer, List<String>> replicas) {
  public static final Membership INITIAL = new Membership(new TreeMap<>(), new TreeSet<>(),
      new TreeSet<>(), new TreeSet<>(), new TreeMap<>());

  public Membership {
    joined = Collections.unmodifiableSortedMap(new TreeMap<>(joined));
    leaving = Collections.unmodifiableSortedSet(new TreeSet<>(leaving));
    removed = Collections.unmodifiableSortedSet(new TreeSet<>(removed));
    dead = Collections.unmodifiableSortedSet(new TreeSet<>(dead));
    TreeMap<Integer, List<String>> copy = new TreeMap<>();
    replicas.forEach((group, nodes) -> copy.put(group, List.copyOf(nodes)));
    replicas = Collections.unmodifiableSortedMap(copy);
  }

  Membership withDead(String node, boolean isDead) {
    return new Membership(joined, leaving, removed, toggled(dead, node, isDead), replicas);
  }

  Membership withLeaving(String node, boolean isLeaving) {
    return new Membership(joined, toggled(leaving, node, isLeaving), removed, dead, replicas);
  }

  Membership withJoined(String node, String spec) {
    TreeMap<String, String> next = new TreeMap<>(joined);
    next.put(node, spec);
    return new Membership(next, leaving, toggled(removed, node, false), dead, replicas);
  }

  Membership withRemoved(String node) {
    TreeMap<String, String> nextJoined = new TreeMap<>(joined);
    nextJoined.remove(node);
    return new Membership(nextJoined, toggled(leaving, node, false), toggled(removed, node, true),
        toggled(dead, node, false), replicas);
  }

  Membership withReplicas(int group, List<String> nodes) {
    TreeMap<Integer, List<String>> next = new TreeMap<>(replicas);
    next.put(group, nodes);
    return new Membership(joined, leaving, removed, dead, next);
  }

  private static SortedSet<String> toggled(SortedSet<String> set, String node, boolean present) {
    TreeSet<String> next = new TreeSet<>(set);
    if (present) {
      next.add(node);
    } else {
      next.remove(node);
    }
    return next;
  }
}
