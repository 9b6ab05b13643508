package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
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
 * <p>Matching runs on every acquire without a limit, over the key's UTF-8 bytes, in a
 * {@link PrefixIndex}: no allocation, and memory in proportion to the prefixes' bytes, since
 * every node builds the rules again whenever they change.
 */
public final class LimitRules {
  public static final LimitRules NONE = new LimitRules(new TreeMap<>(), new TreeSet<>());

  private final SortedMap<String, BucketLimit> byPrefix;
  private final SortedSet<String> shadowed;
  private final PrefixIndex index;
  /** The limit of each entry of {@link #index}. */
  private final BucketLimit[] limits;
  /** Whether each entry of {@link #index} is in shadow mode. */
  private final boolean[] shadows;
  private final long prefixBytes;

  private LimitRules(SortedMap<String, BucketLimit> byPrefix, SortedSet<String> shadowed) {
    this.byPrefix = Collections.unmodifiableSortedMap(byPrefix);
    this.shadowed = Collections.unmodifiableSortedSet(shadowed);
    // By UTF-8 bytes, unsigned: the order keys are matched in (String order is UTF-16's). Two
    // prefixes with the same bytes (lone surrogates encode as '?') keep the later one's rule.
    TreeMap<byte[], String> byBytes = new TreeMap<>(Arrays::compareUnsigned);
    long total = 0;
    for (String prefix : byPrefix.keySet()) {
      byte[] utf8 = prefix.getBytes(StandardCharsets.UTF_8);
      byBytes.put(utf8, prefix);
      total += utf8.length;
    }
    this.prefixBytes = total;
    this.index = new PrefixIndex(List.copyOf(byBytes.keySet()));
    this.limits = new BucketLimit[byBytes.size()];
    this.shadows = new boolean[byBytes.size()];
    int entry = 0;
    for (String prefix : byBytes.values()) {
      limits[entry] = byPrefix.get(prefix);
      shadows[entry++] = shadowed.contains(prefix);
    }
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
    int rule = index.longestMatch(key);
    return rule != PrefixIndex.NONE && shadows[rule];
  }

  /** The prefixes whose rules are in shadow mode, in code point order. */
  public SortedSet<String> shadowedPrefixes() {
    return shadowed;
  }

  /** The limit of the longest rule prefix {@code key} starts with, or null when none matches. */
  public BucketLimit match(byte[] key) {
    int rule = index.longestMatch(key);
    return rule == PrefixIndex.NONE ? null : limits[rule];
  }

  /** All the rules' prefixes' UTF-8 bytes, as {@link MetaCommand#MAX_PREFIX_BYTES_TOTAL} counts. */
  public long prefixBytes() {
    return prefixBytes;
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
}
