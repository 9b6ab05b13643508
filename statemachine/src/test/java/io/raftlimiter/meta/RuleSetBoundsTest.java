package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The rule set is bounded in bytes as well as in count, by apply itself, so that every replica
 * refuses the same rule at the same entry and replay cannot diverge or build without a bound.
 */
class RuleSetBoundsTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1);
  private static final int LONGEST = MetaCommand.MAX_PREFIX_BYTES;

  /** Metadata whose rules' prefixes total exactly {@code bytes}, in rules of the longest prefix. */
  private static ClusterMetadata withPrefixBytes(long bytes) {
    Map<String, BucketLimit> rules = new TreeMap<>();
    long left = bytes;
    for (int i = 0; left > 0; i++) {
      String head = String.format("%05d", i);
      int length = (int) Math.min(LONGEST, left);
      rules.put((head + "x".repeat(LONGEST)).substring(0, length), LIMIT);
      left -= length;
    }
    return new ClusterMetadata(7, null, LimitRules.of(rules), Membership.INITIAL);
  }

  @Test
  void aRuleThatWouldTakeThePrefixesPastTheirTotalIsRefusedAndChangesNothing() {
    ClusterMetadata full = withPrefixBytes(MetaCommand.MAX_PREFIX_BYTES_TOTAL - 10);

    MetaReply refused = full.apply(new MetaCommand.SetRule("y".repeat(11), LIMIT), 8);

    assertTrue(refused.refusal().startsWith(ClusterMetadata.RULE_SET_FULL), refused.refusal());
    assertTrue(refused.refusal().contains("would total 1048577 UTF-8 bytes; at most 1048576"),
        refused.refusal());
    assertSame(full, refused.metadata());
    MetaReply fits = full.apply(new MetaCommand.SetRule("y".repeat(10), LIMIT), 8);
    assertFalse(fits.refused(), fits.refusal());
    assertEquals(MetaCommand.MAX_PREFIX_BYTES_TOTAL, fits.metadata().rules().prefixBytes());
  }

  @Test
  void aRuleReplacedInPlaceOrAfterARemovalFitsAgain() {
    ClusterMetadata full = withPrefixBytes(MetaCommand.MAX_PREFIX_BYTES_TOTAL);
    String first = full.rules().asMap().firstKey();

    MetaReply replaced = full.apply(new MetaCommand.SetRule(first, BucketLimit.of(3, 1), true), 8);
    assertFalse(replaced.refused(), "the same prefix takes no more bytes");

    ClusterMetadata room = full.apply(new MetaCommand.RemoveRule(first), 8).metadata();
    assertFalse(room.apply(new MetaCommand.SetRule("z".repeat(LONGEST), LIMIT), 9).refused());
  }

  @Test
  void theRuleCountIsRefusedWithTheSameMessageStart() {
    Map<String, BucketLimit> rules = new TreeMap<>();
    for (int i = 0; i < MetaCommand.MAX_RULES; i++) {
      rules.put("r" + i, LIMIT);
    }
    ClusterMetadata many = new ClusterMetadata(3, null, LimitRules.of(rules), Membership.INITIAL);

    MetaReply refused = many.apply(new MetaCommand.SetRule("one-more", LIMIT), 4);

    assertTrue(refused.refusal().startsWith(ClusterMetadata.RULE_SET_FULL), refused.refusal());
    assertSame(many, refused.metadata());
  }

  /**
   * A replica restored from a snapshot near the bound and one that applied its way there refuse
   * the same entries of what follows: the bound counts the rules' bytes, nothing else.
   */
  @Test
  void replayPastTheBoundRefusesTheSameEntriesOnEveryReplica() {
    ClusterMetadata applied = withPrefixBytes(MetaCommand.MAX_PREFIX_BYTES_TOTAL - 2 * LONGEST);
    ClusterMetadata restored = MetaCodec.decodeMetadata(MetaCodec.encode(applied));
    List<MetaCommand> log = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      log.add(new MetaCommand.SetRule("new-" + i + "x".repeat(LONGEST - 5), LIMIT));
    }
    List<Integer> refusedApplied = new ArrayList<>();
    List<Integer> refusedRestored = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      MetaReply a = applied.apply(log.get(i), 10 + i);
      MetaReply b = restored.apply(MetaCodec.decodeCommand(MetaCodec.encode(log.get(i))), 10 + i);
      applied = a.metadata();
      restored = b.metadata();
      if (a.refused()) {
        refusedApplied.add(i);
      }
      if (b.refused()) {
        refusedRestored.add(i);
      }
    }
    assertEquals(List.of(2, 3), refusedApplied);
    assertEquals(refusedApplied, refusedRestored);
    assertEquals(applied, restored);
    assertEquals(MetaCommand.MAX_PREFIX_BYTES_TOTAL, applied.rules().prefixBytes());
  }

  /** A snapshot or a read reply with a prefix apply would never have kept is corrupt. */
  @Test
  void metadataWithAPrefixTooLongForApplyDoesNotDecode() {
    ClusterMetadata forged = new ClusterMetadata(2, null,
        LimitRules.of(Map.of("x".repeat(LONGEST + 1), LIMIT)), Membership.INITIAL);
    byte[] encoded = MetaCodec.encode(forged);

    IllegalArgumentException refused =
        assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeMetadata(encoded));
    assertTrue(refused.getMessage().contains("513 UTF-8 bytes"), refused.getMessage());
  }
}
