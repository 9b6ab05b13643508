package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleDiffTest {
  private static final BucketLimit TEN = BucketLimit.of(10, 1);

  @Test
  void namesEachAddedChangedAndRemovedRuleInPrefixOrder() {
    LimitRules before = LimitRules.of(Map.of("", BucketLimit.of(100, 50), "api:", TEN,
        "old:", TEN, "same:", TEN));
    LimitRules after = LimitRules.of(Map.of("", BucketLimit.of(100, 0.5), "api:", TEN,
        "new:", BucketLimit.of(3, 2), "same:", TEN), Set.of("api:"));

    RuleDiff diff = RuleDiff.between(before, after);

    assertEquals(List.of(
        "+ 'new:': capacity 3, refill 2/s",
        "~ '' (default): capacity 100, refill 50/s -> capacity 100, refill 0.5/s",
        "~ 'api:': capacity 10, refill 1/s -> capacity 10, refill 1/s, shadow",
        "- 'old:': capacity 10, refill 1/s"), diff.lines());
    assertEquals("1 added, 2 changed, 1 removed", diff.toString());
  }

  @Test
  void theSameRulesAreNoChange() {
    LimitRules rules = LimitRules.of(Map.of("a", TEN), Set.of("a"));
    assertTrue(RuleDiff.between(rules, LimitRules.of(Map.of("a", TEN), Set.of("a"))).isEmpty());
  }
}
