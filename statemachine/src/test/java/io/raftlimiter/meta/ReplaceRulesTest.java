package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Limits as code: the whole rule set replaced in one entry, only if nobody changed it since. */
class ReplaceRulesTest {
  private static final BucketLimit TEN = BucketLimit.of(10, 1);
  private static final BucketLimit HUNDRED = BucketLimit.of(100, 50);
  private static final LimitRules BEFORE = LimitRules.of(Map.of("", HUNDRED, "api:", TEN));
  private static final ClusterMetadata METADATA =
      new ClusterMetadata(7, null, BEFORE, Membership.INITIAL);

  @Test
  void replacesEveryRuleInOneStepWhenTheDigestStillMatches() {
    LimitRules after = LimitRules.of(Map.of("", TEN, "web:", HUNDRED), Set.of("web:"));
    MetaReply reply = METADATA.apply(new MetaCommand.ReplaceRules(after, BEFORE.digest()), 8);
    assertFalse(reply.refused(), reply.refusal());
    assertEquals(after, reply.metadata().rules());
    assertEquals(8, reply.metadata().version());
  }

  @Test
  void aChangeMadeSinceTheRulesWereReadIsNotOverwritten() {
    String readEarlier = LimitRules.of(Map.of("", HUNDRED)).digest();
    MetaReply reply = METADATA.apply(
        new MetaCommand.ReplaceRules(LimitRules.NONE, readEarlier), 8);
    assertTrue(reply.refusal().startsWith(ClusterMetadata.RULES_CHANGED), reply.refusal());
    assertSame(METADATA, reply.metadata());
    MetaReply forced = METADATA.apply(new MetaCommand.ReplaceRules(LimitRules.NONE, ""), 8);
    assertEquals(LimitRules.NONE, forced.metadata().rules(), "no digest: replaced regardless");
  }

  @Test
  void theDigestCoversEveryFieldOfEveryRuleAndNothingElse() {
    String digest = BEFORE.digest();
    assertEquals(64, digest.length());
    assertEquals(digest, LimitRules.of(new TreeMap<>(Map.of("api:", TEN, "", HUNDRED))).digest());
    for (LimitRules other : new LimitRules[] {LimitRules.of(Map.of("", HUNDRED)),
        LimitRules.of(Map.of("", HUNDRED, "api:", BucketLimit.of(11, 1))),
        LimitRules.of(Map.of("", HUNDRED, "api:", BucketLimit.of(10, 2))),
        LimitRules.of(Map.of("", HUNDRED, "api:", TEN), Set.of("api:")),
        LimitRules.of(Map.of("", HUNDRED, "apj:", TEN))}) {
      assertNotEquals(digest, other.digest(), other.toString());
    }
    // prefix lengths are part of it: "a"+"b:" is not "ab"+":"
    assertNotEquals(LimitRules.of(Map.of("a", TEN, "b", TEN)).digest(),
        LimitRules.of(Map.of("ab", TEN)).digest());
  }

  @Test
  void theCommandRoundTripsAndADuplicatedOrOverlongPrefixIsMalformed() {
    MetaCommand.ReplaceRules command = new MetaCommand.ReplaceRules(
        LimitRules.of(Map.of("", TEN, "\u00e9t\u00e9:", HUNDRED), Set.of("")), BEFORE.digest());
    assertEquals(command, MetaCodec.decodeCommand(MetaCodec.encode(command)));

    byte[] two = MetaCodec.encode(new MetaCommand.ReplaceRules(
        LimitRules.of(Map.of("ax", TEN, "ay", TEN)), ""));
    String hex = HexFormat.of().formatHex(two);
    String ax = HexFormat.of().formatHex("ax".getBytes(StandardCharsets.UTF_8));
    String ay = HexFormat.of().formatHex("ay".getBytes(StandardCharsets.UTF_8));
    byte[] duplicated = HexFormat.of().parseHex(hex.replace(ay, ax));
    assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeCommand(duplicated));

    String tooLong = "p".repeat(MetaCommand.MAX_PREFIX_BYTES + 1);
    Map<String, BucketLimit> raw = new TreeMap<>(Map.of(tooLong, TEN));
    byte[] overlong = MetaCodec.encode(new MetaCommand.ReplaceRules(LimitRules.of(raw), ""));
    assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeCommand(overlong));
  }
}
