package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.server.runtime.LimitLabel;
import java.util.function.Supplier;

/**
 * The operator's limit of a key whose request carries none: a prefix rule's, else the node's
 * default.
 */
@FunctionalInterface
public interface LimitResolver {
  OperatorLimit limitFor(byte[] key);

  /** Every key under {@code limit}, as the node's default: no rules. */
  static LimitResolver always(BucketLimit limit) {
    OperatorLimit only = new OperatorLimit(limit, LimitLabel.DEFAULT, false);
    return key -> only;
  }

  /** The rule of the longest prefix of the key among {@code rules}, else {@code byDefault}. */
  static LimitResolver byRules(Supplier<LimitRules> rules, BucketLimit byDefault) {
    OperatorLimit fallback = new OperatorLimit(byDefault, LimitLabel.DEFAULT, false);
    return key -> {
      LimitRules.Rule rule = rules.get().ruleFor(key);
      return rule == null ? fallback
          : new OperatorLimit(rule.limit(), LimitLabel.rule(rule.prefix()), rule.shadow());
    };
  }
}
