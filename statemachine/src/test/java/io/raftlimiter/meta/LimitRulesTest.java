package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LimitRulesTest {
  private static final BucketLimit TENANT = BucketLimit.of(1000, 200);
  private static final BucketLimit VIP = BucketLimit.of(5000, 1000);
  private static final BucketLimit DEFAULT = BucketLimit.of(10, 1);

  private static BucketLimit match(LimitRules rules, String key) {
    return rules.match(key.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theLongestMatchingPrefixWins() {
    LimitRules rules = LimitRules.of(Map.of("tenant-42:", TENANT, "tenant-42:vip", VIP));
    assertEquals(TENANT, match(rules, "tenant-42:alice"));
    assertEquals(VIP, match(rules, "tenant-42:vip-bob"));
    assertEquals(TENANT, match(rules, "tenant-42:vi"), "a key shorter than the longer prefix");
    assertEquals(TENANT, match(rules, "tenant-42:"), "the prefix itself is a key it covers");
    assertNull(match(rules, "tenant-4"), "a key shorter than every prefix");
    assertNull(match(rules, "tenant-43:alice"));
  }

  @Test
  void aKeyIsShadowedByTheRuleItRunsUnder() {
    LimitRules rules = LimitRules.of(Map.of("", BucketLimit.of(1, 1), "a:", BucketLimit.of(2, 1),
        "a:b:", BucketLimit.of(3, 1)), Set.of("a:", "not-a-rule:"));
    assertTrue(rules.shadowed(bytes("a:x")));
    assertFalse(rules.shadowed(bytes("a:b:x")), "the longer, enforced rule wins");
    assertFalse(rules.shadowed(bytes("z")), "the enforced default");
    assertEquals(Set.of("a:"), rules.shadowedPrefixes(), "a prefix without a rule is dropped");
    assertFalse(LimitRules.of(Map.of("a:", BucketLimit.of(2, 1))).shadowed(bytes("a:x")));
  }

  @Test
  void theEmptyPrefixIsTheDefaultForEveryOtherKey() {
    LimitRules rules = LimitRules.of(Map.of("", DEFAULT, "tenant-42:", TENANT));
    assertEquals(DEFAULT, match(rules, "anything"));
    assertEquals(TENANT, match(rules, "tenant-42:x"));
    assertNull(match(LimitRules.NONE, "anything"));
  }

  @Test
  void prefixesMatchByUtf8Bytes() {
    LimitRules rules = LimitRules.of(Map.of("é", TENANT, "\u00e9t\u00e9:", VIP));
    assertEquals(TENANT, match(rules, "école"));
    assertEquals(VIP, match(rules, "été:juillet"));
    assertNull(match(rules, "e"));
  }

  /** Against the obvious definition: every rule prefix the key starts with, longest first. */
  @Test
  void agreesWithAScanOfEveryRule() {
    Random random = new Random(42);
    Map<String, BucketLimit> rules = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      rules.put(randomString(random, random.nextInt(6)), BucketLimit.of(1 + i, 1));
    }
    LimitRules trie = LimitRules.of(rules);
    for (int i = 0; i < 20_000; i++) {
      String key = randomString(random, 1 + random.nextInt(10));
      BucketLimit expected = null;
      int longest = -1;
      for (Map.Entry<String, BucketLimit> rule : rules.entrySet()) {
        if (key.startsWith(rule.getKey()) && rule.getKey().length() > longest) {
          longest = rule.getKey().length();
          expected = rule.getValue();
        }
      }
      assertEquals(expected, match(trie, key), "key " + key);
    }
  }

  private static String randomString(Random random, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append((char) ('a' + random.nextInt(3))); // a small alphabet: many shared prefixes
    }
    return s.toString();
  }

  private static byte[] bytes(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }
}
