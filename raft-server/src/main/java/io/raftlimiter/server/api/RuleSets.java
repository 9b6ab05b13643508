package io.raftlimiter.server.api;

import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.meta.MetaCommand;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A whole rule set as the admin API carries it, checked as one: every rule valid as
 * {@code SetLimit} checks it, each prefix once, within the bounds of the rule set. The node
 * checks it before it reaches the log and {@code rlctl limits apply} before it is sent.
 */
public final class RuleSets {
  private RuleSets() {}

  public static LimitRules fromProto(List<LimitRule> rules) throws InvalidRequestException {
    if (rules.size() > MetaCommand.MAX_RULES) {
      throw new InvalidRequestException(rules.size() + " rules; at most " + MetaCommand.MAX_RULES
          + " are allowed");
    }
    Map<String, BucketLimit> limits = new TreeMap<>();
    Set<String> shadowed = new HashSet<>();
    long prefixBytes = 0;
    for (LimitRule rule : rules) {
      checkPrefix(rule.getPrefix());
      BucketLimit limit;
      try {
        limit = limitOf(rule);
      } catch (InvalidRequestException e) {
        throw new InvalidRequestException("rule '" + rule.getPrefix() + "': " + e.getMessage());
      }
      if (limits.put(rule.getPrefix(), limit) != null) {
        throw new InvalidRequestException("prefix '" + rule.getPrefix() + "' is given twice");
      }
      if (rule.getShadow()) {
        shadowed.add(rule.getPrefix());
      }
      prefixBytes += rule.getPrefix().getBytes(StandardCharsets.UTF_8).length;
    }
    if (prefixBytes > MetaCommand.MAX_PREFIX_BYTES_TOTAL) {
      throw new InvalidRequestException("the prefixes total " + prefixBytes + " UTF-8 bytes; at "
          + "most " + MetaCommand.MAX_PREFIX_BYTES_TOTAL + " are allowed");
    }
    return LimitRules.of(limits, shadowed);
  }

  /** Refuses a prefix no rule may have (longer than a key may be). */
  static void checkPrefix(String prefix) throws InvalidRequestException {
    String invalid = ClusterMetadata.invalidPrefix(prefix);
    if (invalid != null) {
      throw new InvalidRequestException(invalid);
    }
  }

  /** A rule's limit, checked as a limit carried in a request is. */
  static BucketLimit limitOf(LimitRule rule) throws InvalidRequestException {
    return RequestValidator.limit(Limit.newBuilder().setCapacity(rule.getCapacity())
        .setRefillPerSecond(rule.getRefillPerSecond()).build());
  }

  /** The rules as the admin API carries them, in prefix order. */
  public static List<LimitRule> toProto(LimitRules rules) {
    return rules.asMap().entrySet().stream().map(rule -> LimitRule.newBuilder()
        .setPrefix(rule.getKey()).setCapacity(rule.getValue().capacity())
        .setRefillPerSecond(rule.getValue().refillPerSecond())
        .setShadow(rules.shadowedPrefixes().contains(rule.getKey())).build()).toList();
  }
}
