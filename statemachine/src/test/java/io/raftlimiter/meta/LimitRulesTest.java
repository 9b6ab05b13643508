package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
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
    LimitRules.Rule rule = rules.ruleFor(key.getBytes(StandardCharsets.UTF_8));
    return rule == null ? null : rule.limit();
  }

  private static boolean shadowed(LimitRules rules, byte[] key) {
    LimitRules.Rule rule = rules.ruleFor(key);
    return rule != null && rule.shadow();
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
    assertTrue(shadowed(rules, bytes("a:x")));
    assertFalse(shadowed(rules, bytes("a:b:x")), "the longer, enforced rule wins");
    assertFalse(shadowed(rules, bytes("z")), "the enforced default");
    assertEquals(Set.of("a:"), rules.shadowedPrefixes(), "a prefix without a rule is dropped");
    assertFalse(shadowed(LimitRules.of(Map.of("a:", BucketLimit.of(2, 1))), bytes("a:x")));
  }

  @Test
  void oneLookupGivesTheRuleWithItsPrefixLimitAndShadowFlag() {
    LimitRules rules = LimitRules.of(Map.of("a:", BucketLimit.of(2, 1), "a:b:", VIP),
        Set.of("a:"));
    assertEquals(new LimitRules.Rule("a:", BucketLimit.of(2, 1), true),
        rules.ruleFor(bytes("a:x")));
    assertEquals(new LimitRules.Rule("a:b:", VIP, false), rules.ruleFor(bytes("a:b:x")));
    assertNull(rules.ruleFor(bytes("b:x")));
    assertNull(LimitRules.NONE.ruleFor(bytes("a:x")));
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
      assertEquals(scan(rules, key), match(trie, key), "key " + key);
    }
  }

  /**
   * By UTF-8 bytes, where U+FFFF sorts before an emoji (UTF-16 orders them the other way), and
   * along chains of nested prefixes, where the longest match is several rules back.
   */
  @Test
  void agreesWithAScanAcrossCharacterWidthsAndNestedPrefixes() {
    Random random = new Random(7);
    String[] alphabet = {"a", "b", "\uffff", "\ud83d\ude00", "\u00e9"};
    Map<String, BucketLimit> rules = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      StringBuilder prefix = new StringBuilder();
      for (int length = random.nextInt(7); length > 0; length--) {
        prefix.append(alphabet[random.nextInt(alphabet.length)]);
      }
      rules.put(prefix.toString(), BucketLimit.of(1 + i, 1));
    }
    for (int depth = 1; depth <= 40; depth++) {
      rules.put("b".repeat(depth) + "a", BucketLimit.of(1_000 + depth, 1));
    }
    LimitRules index = LimitRules.of(rules);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder key = new StringBuilder();
      for (int length = 1 + random.nextInt(12); length > 0; length--) {
        key.append(alphabet[random.nextInt(alphabet.length)]);
      }
      if (i % 10 == 0) {
        key.insert(0, "b".repeat(random.nextInt(45)));
      }
      assertEquals(scan(rules, key.toString()), match(index, key.toString()), "key " + key);
    }
  }

  /**
   * The most and longest rules allowed take memory in proportion to their bytes (5 MB of
   * prefixes): the byte trie they replaced took about 400 MB, an object and two arrays a byte.
   */
  @Test
  void theMostAndLongestRulesTakeMemoryInProportionToTheirBytes() {
    Map<String, BucketLimit> rules = new HashMap<>();
    String tail = "x".repeat(MetaCommand.MAX_PREFIX_BYTES - 5);
    for (int i = 0; i < MetaCommand.MAX_RULES; i++) {
      rules.put(String.format("%05d", i) + tail, BucketLimit.of(1 + i, 1));
    }
    long prefixBytes = (long) MetaCommand.MAX_RULES * MetaCommand.MAX_PREFIX_BYTES;

    long beforeBytes = usedHeapBytes();
    LimitRules built = LimitRules.of(rules);
    long retainedBytes = usedHeapBytes() - beforeBytes;

    assertEquals(BucketLimit.of(43, 1), match(built, "00042" + tail + "-key"));
    assertEquals(prefixBytes, built.prefixBytes());
    assertTrue(retainedBytes < 2 * prefixBytes,
        "retained " + retainedBytes + " bytes for " + prefixBytes + " bytes of prefixes");
    Reference.reachabilityFence(built);
  }

  private static long usedHeapBytes() {
    for (int i = 0; i < 3; i++) {
      System.gc(); // a full collection with the parallel collector the tests run with
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** The longest rule prefix {@code key} starts with, by trying every rule. */
  private static BucketLimit scan(Map<String, BucketLimit> rules, String key) {
    BucketLimit found = null;
    int longest = -1;
    for (Map.Entry<String, BucketLimit> rule : rules.entrySet()) {
      if (key.startsWith(rule.getKey()) && rule.getKey().length() > longest) {
        longest = rule.getKey().length();
        found = rule.getValue();
      }
    }
    return found;
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
