package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.LimitRules;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleFileTest {
  private static final List<LimitRule> RULES = List.of(
      LimitRule.newBuilder().setPrefix("").setCapacity(100).setRefillPerSecond(50).build(),
      LimitRule.newBuilder().setPrefix("api: \"v2\"\n#x").setCapacity(10)
          .setRefillPerSecond(0.25).setShadow(true).build(),
      LimitRule.newBuilder().setPrefix("été:").setCapacity(1_000_000_000_000L)
          .setRefillPerSecond(1e-6).build());

  @Test
  void anExportedFileReadsBackAsTheSameRules() {
    String yaml = RuleFile.render(LimitRules.newBuilder().setVersion(42).setDigest("ab12")
        .addAllRules(RULES).build());
    assertTrue(yaml.startsWith("# raftlimiter limit rules, exported at metadata version 42 "
        + "(digest ab12)."), yaml);
    assertTrue(yaml.contains("refill_per_second: 50\n"), "whole numbers stay whole: " + yaml);
    assertEquals(RULES, RuleFile.parse(yaml));
  }

  @Test
  void aHandWrittenFileReads() {
    assertEquals(List.of(RULES.get(0), LimitRule.newBuilder().setPrefix("api:").setCapacity(10)
        .setRefillPerSecond(0.25).setShadow(true).build()), RuleFile.parse("""
        rules:
          - prefix: ""            # the default
            capacity: 100
            refill_per_second: 50
          - {prefix: "api:", capacity: 10, refill_per_second: 0.25, shadow: true}
        """));
    assertEquals(List.of(), RuleFile.parse("rules: []"));
  }

  @Test
  void whatIsWrongIsNamedNotSkipped() {
    assertRefused("rules:\n  - {prefix: a, capacity: 1, refill_per_second: 1, burst: 3}",
        "rule 1: unknown field 'burst'");
    assertRefused("rules:\n  - {prefix: a, capacity: 1.5, refill_per_second: 1}",
        "rule 1 ('a'): capacity must be a whole number, got 1.5");
    assertRefused("rules:\n  - {prefix: a, capacity: 1}",
        "rule 1 ('a'): refill_per_second must be a number, got null");
    assertRefused("rules:\n  - {prefix: 7, capacity: 1, refill_per_second: 1}",
        "rule 1: prefix must be a string");
    assertRefused("rules:\n  - {prefix: a, capacity: 1, refill_per_second: 1, shadow: maybe}",
        "shadow must be true or false");
    assertRefused("rules:\n  - {prefix: a, prefix: b, capacity: 1, refill_per_second: 1}",
        "not valid YAML");
    assertRefused("limits: []", "expected a document with one field, 'rules'");
    assertRefused("rules: []\nextra: 1", "expected a document with one field, 'rules'");
    assertRefused("rules: [&a {prefix: x}, *a]", "not valid YAML");
  }

  private static void assertRefused(String yaml, String message) {
    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> RuleFile.parse(yaml));
    assertTrue(refused.getMessage().contains(message), refused.getMessage());
  }
}
