package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Limits by key prefix, immutable. A key runs under the limit of the longest prefix it starts
 * with; the empty prefix matches every key and so acts as the cluster default. A rule may be in
 * shadow mode: decisions under it are made and counted, but refusals are answered as allowed
 * (the node does that; here it is a flag of the rule).
 *
 * <p>Matching walks a byte trie along the key's UTF-8 bytes: no allocation, and at most one step
 * per key byte, however many rules there are. It runs on every acquire without a limit.
 */
public final class LimitRules {
  public static final LimitRules NONE = new LimitRules(new TreeMap<>(), new TreeSet<>());

  private final SortedMap<String, BucketLimit> byPrefix;
  private final SortedSet<String> shadowed;
  private final Node root;

  private LimitRules(SortedMap<String, BucketLimit> byPrefix, SortedSet<String> shadowed) {
    this.byPrefix = Collections.unmodifiableSortedMap(byPrefix);
    this.shadowed = Collections.unmodifiableSortedSet(shadowed);
    this.root = new Node();
    byPrefix.forEach((prefix, limit) -> root.insert(prefix.getBytes(StandardCharsets.UTF_8), limit,
        shadowed.contains(prefix)));
  }

  public static LimitRules of(Map<String, BucketLimit> rules) {
    return of(rules, Set.of());
  }

  /**
   * @param shadowed the prefixes of {@code rules} in shadow mode (others are ignored)
   */
  public static LimitRules of(Map<String, BucketLimit> rules, Set<String> shadowed) {
    if (rules.isEmpty()) {
      return NONE;
    }
    TreeSet<String> kept = new TreeSet<>(shadowed);
    kept.retainAll(rules.keySet());
    return new LimitRules(new TreeMap<>(rules), kept);
  }

  /** Whether the rule {@code key} runs under (the longest matching prefix) is in shadow mode. */
  public boolean shadowed(byte[] key) {
    if (shadowed.isEmpty()) {
      return false;
    }
    Node rule = longestMatch(key);
    return rule != null && rule.shadow;
  }

  /** The prefixes whose rules are in shadow mode, in code point order. */
  public SortedSet<String> shadowedPrefixes() {
    return shadowed;
  }

  /** The limit of the longest rule prefix {@code key} starts with, or null when none matches. */
  public BucketLimit match(byte[] key) {
    Node rule = longestMatch(key);
    return rule == null ? null : rule.limit;
  }

  /** The node of the longest rule prefix {@code key} starts with, or null when none matches. */
  private Node longestMatch(byte[] key) {
    Node node = root;
    Node best = node.limit != null ? node : null;
    for (int i = 0; i < key.length; i++) {
      node = node.child(key[i]);
      if (node == null) {
        break;
      }
      if (node.limit != null) {
        best = node;
      }
    }
    return best;
  }

  /** Every rule, by prefix in code point order. */
  public SortedMap<String, BucketLimit> asMap() {
    return byPrefix;
  }

  public int size() {
    return byPrefix.size();
  }

  public boolean isEmpty() {
    return byPrefix.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LimitRules other && byPrefix.equals(other.byPrefix)
        && shadowed.equals(other.shadowed);
  }

  @Override
  public int hashCode() {
    return byPrefix.hashCode() * 31 + shadowed.hashCode();
  }

  @Override
  public String toString() {
    return "LimitRules" + byPrefix + (shadowed.isEmpty() ? "" : " shadow " + shadowed);
  }

  /** A trie node: children kept in arrays sorted by byte, found by binary search. */
  private static final class Node {
    private byte[] labels = new byte[0];
    private Node[] children = new Node[0];
    private BucketLimit limit;
    private boolean shadow;

    Node child(byte label) {
      int at = Arrays.binarySearch(labels, label);
      return at >= 0 ? children[at] : null;
    }

    void insert(byte[] prefix, BucketLimit value, boolean inShadow) {
      Node node = this;
      for (byte label : prefix) {
        Node next = node.child(label);
        if (next == null) {
          next = node.add(label);
        }
        node = next;
      }
      node.limit = value;
      node.shadow = inShadow;
    }

    private Node add(byte label) {
      int at = -(Arrays.binarySearch(labels, label) + 1);
      byte[] newLabels = new byte[labels.length + 1];
      Node[] newChildren = new Node[children.length + 1];
      System.arraycopy(labels, 0, newLabels, 0, at);
      System.arraycopy(children, 0, newChildren, 0, at);
      newLabels[at] = label;
      Node created = new Node();
      newChildren[at] = created;
      System.arraycopy(labels, at, newLabels, at + 1, labels.length - at);
      System.arraycopy(children, at, newChildren, at + 1, children.length - at);
      labels = newLabels;
      children = newChildren;
      return created;
    }
  }
}
