package io.raftlimiter.meta;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
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
  /** The rule of each entry of {@link #index}. */
  private final Rule[] rules;
  private final long prefixBytes;
  /** {@link #digest()}, computed once when first asked (racing threads compute the same). */
  private volatile String digest;

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
    this.rules = new Rule[byBytes.size()];
    int entry = 0;
    for (String prefix : byBytes.values()) {
      rules[entry++] = new Rule(prefix, byPrefix.get(prefix), shadowed.contains(prefix));
    }
  }

  /**
   * One rule: keys starting with {@code prefix} run under {@code limit}, and when {@code shadow},
   * their refusals are answered as allowed.
   */
  public record Rule(String prefix, BucketLimit limit, boolean shadow) {}

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

  /**
   * The rule {@code key} runs under: the one with the longest prefix it starts with, or null when
   * none matches. One lookup gives the limit, the prefix and the shadow flag together, all of the
   * same rules.
   */
  public Rule ruleFor(byte[] key) {
    int rule = index.longestMatch(key);
    return rule == PrefixIndex.NONE ? null : rules[rule];
  }

  /** The prefixes whose rules are in shadow mode, in code point order. */
  public SortedSet<String> shadowedPrefixes() {
    return shadowed;
  }

  /**
   * SHA-256 (lowercase hex) of the rules alone, not of the metadata version: what a caller who
   * read the rules passes back to replace them only if nobody changed them since
   * ({@link MetaCommand.ReplaceRules}). Every replica computes the same from the same rules.
   */
  public String digest() {
    String computed = digest;
    if (computed == null) {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
      ByteBuffer fields = ByteBuffer.allocate(4 + 8 + 8 + 1);
      for (Map.Entry<String, BucketLimit> rule : byPrefix.entrySet()) {
        byte[] prefix = rule.getKey().getBytes(StandardCharsets.UTF_8);
        sha.update(fields.clear().putInt(prefix.length).flip());
        sha.update(prefix);
        sha.update(fields.clear().putLong(rule.getValue().capacity())
            .putLong(rule.getValue().refillMicrosPerSecond())
            .put((byte) (shadowed.contains(rule.getKey()) ? 1 : 0)).flip());
      }
      computed = HexFormat.of().formatHex(sha.digest());
      digest = computed;
    }
    return computed;
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
