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
 * the controller found dead, where each data group's replicas are now, where the metadata group's
 * replicas are, and the storage each member's replicas live in.
 *
 * <p>A data group with no entry in {@code replicas} is still where the cluster's shape first placed
 * it; an empty {@code metadataReplicas} means the metadata group is still on its founding replicas
 * (the first three founding members in {@code NodeIdOrder}).
 *
 * @param storageIds each member's storage id as the controller first saw it: a node reporting
 *     another one lost its disk, and its old replicas with it
 */
public record Membership(SortedMap<String, String> joined, SortedSet<String> leaving,
    SortedSet<String> removed, SortedSet<String> dead,
    SortedMap<Integer, List<String>> replicas, List<String> metadataReplicas,
    SortedMap<String, String> storageIds) {
  public static final Membership INITIAL = new Membership(new TreeMap<>(), new TreeSet<>(),
      new TreeSet<>(), new TreeSet<>(), new TreeMap<>(), List.of(), new TreeMap<>());

  public Membership {
    joined = Collections.unmodifiableSortedMap(new TreeMap<>(joined));
    leaving = Collections.unmodifiableSortedSet(new TreeSet<>(leaving));
    removed = Collections.unmodifiableSortedSet(new TreeSet<>(removed));
    dead = Collections.unmodifiableSortedSet(new TreeSet<>(dead));
    TreeMap<Integer, List<String>> copy = new TreeMap<>();
    replicas.forEach((group, nodes) -> copy.put(group, List.copyOf(nodes)));
    replicas = Collections.unmodifiableSortedMap(copy);
    metadataReplicas = List.copyOf(metadataReplicas);
    storageIds = Collections.unmodifiableSortedMap(new TreeMap<>(storageIds));
  }

  Membership withDead(String node, boolean isDead) {
    return new Membership(joined, leaving, removed, toggled(dead, node, isDead), replicas,
        metadataReplicas, storageIds);
  }

  Membership withLeaving(String node, boolean isLeaving) {
    return new Membership(joined, toggled(leaving, node, isLeaving), removed, dead, replicas,
        metadataReplicas, storageIds);
  }

  Membership withJoined(String node, String spec) {
    TreeMap<String, String> next = new TreeMap<>(joined);
    next.put(node, spec);
    return new Membership(next, leaving, toggled(removed, node, false), dead, replicas,
        metadataReplicas, storageIds);
  }

  Membership withRemoved(String node) {
    TreeMap<String, String> nextJoined = new TreeMap<>(joined);
    nextJoined.remove(node);
    TreeMap<String, String> nextStorage = new TreeMap<>(storageIds);
    nextStorage.remove(node);
    return new Membership(nextJoined, toggled(leaving, node, false), toggled(removed, node, true),
        toggled(dead, node, false), replicas, metadataReplicas, nextStorage);
  }

  Membership withReplicas(int group, List<String> nodes) {
    TreeMap<Integer, List<String>> next = new TreeMap<>(replicas);
    next.put(group, nodes);
    return new Membership(joined, leaving, removed, dead, next, metadataReplicas, storageIds);
  }

  Membership withMetadataReplicas(List<String> nodes) {
    return new Membership(joined, leaving, removed, dead, replicas, nodes, storageIds);
  }

  Membership withStorage(String node, String storageId) {
    TreeMap<String, String> next = new TreeMap<>(storageIds);
    next.put(node, storageId);
    return new Membership(joined, leaving, removed, dead, replicas, metadataReplicas, next);
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
