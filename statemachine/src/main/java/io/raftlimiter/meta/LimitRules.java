package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Limits by key prefix, immutable. A key runs under the limit of the longest prefix it starts
 * with; the empty prefix matches every key and so acts as the cluster default.
 *
 * <p>Matching walks a byte trie along the key's UTF-8 bytes: no allocation, and at most one step
 * per key byte, however many rules there are. It runs on every acquire without a limit.
 */
public final class LimitRules {
  public static final LimitRules NONE = new LimitRules(new TreeMap<>());

  private final SortedMap<String, BucketLimit> byPrefix;
  private final Node root;

  private LimitRules(SortedMap<String, BucketLimit> byPrefix) {
    this.byPrefix = Collections.unmodifiableSortedMap(byPrefix);
    this.root = new Node();
    byPrefix.forEach((prefix, limit) -> root.insert(prefix.getBytes(StandardCharsets.UTF_8), limit));
  }

  public static LimitRules of(Map<String, BucketLimit> rules) {
    return rules.isEmpty() ? NONE : new LimitRules(new TreeMap<>(rules));
  }

  /** The limit of the longest rule prefix {@code key} starts with, or null when none matches. */
  public BucketLimit match(byte[] key) {
    Node node = root;
    BucketLimit best = node.limit;
    for (int i = 0; i < key.length; i++) {
      node = node.child(key[i]);
      if (node == null) {
        break;
      }
      if (node.limit != null) {
        best = node.limit;
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
    return o instanceof LimitRules other && byPrefix.equals(other.byPrefix);
  }

  @Override
  public int hashCode() {
    return byPrefix.hashCode();
  }

  @Override
  public String toString() {
    return "LimitRules" + byPrefix;
  }

  /** A trie node: children kept in arrays sorted by byte, found by binary search. */
  private static final class Node {
    private byte[] labels = new byte[0];
    private Node[] children = new Node[0];
    private BucketLimit limit;

    Node child(byte label) {
      int at = Arrays.binarySearch(labels, label);
      return at >= 0 ? children[at] : null;
    }

    void insert(byte[] prefix, BucketLimit value) {
      Node node = this;
      for (byte label : prefix) {
        Node next = node.child(label);
        if (next == null) {
          next = node.add(label);
        }
        node = next;
      }
      node.limit = value;
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
