package io.raftlimiter.server.api;

import io.raftlimiter.api.admin.v1.BucketReport;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.server.data.GroupRouter;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * An operator's look at one key's bucket and reset of it, each one op through the log of the
 * group that owns the key (so linearizable, and on every replica alike): the look takes nothing
 * and stores nothing ({@link OpKind#PEEK}); the reset fills the bucket again ({@link
 * OpKind#RESET}). The key runs under the limit the rules give it, as an acquire without a limit
 * would.
 */
public final class BucketOperations {
  private final GroupRouter router;
  private final Supplier<LimitRules> rules;
  private final BucketLimit defaultLimit;

  public BucketOperations(GroupRouter router, Supplier<LimitRules> rules,
      BucketLimit defaultLimit) {
    this.router = router;
    this.rules = rules;
    this.defaultLimit = defaultLimit;
  }

  /** The bucket of {@code key} now; fails with {@link InvalidRequestException} for a bad key. */
  public CompletableFuture<BucketReport> look(String key) throws InvalidRequestException {
    return submit(key, OpKind.PEEK);
  }

  /** Fills the bucket of {@code key} again and answers it as it is after. */
  public CompletableFuture<BucketReport> reset(String key) throws InvalidRequestException {
    return submit(key, OpKind.RESET);
  }

  private CompletableFuture<BucketReport> submit(String key, OpKind kind)
      throws InvalidRequestException {
    byte[] keyBytes = RequestValidator.key(key);
    LimitRules.Rule rule = rules.get().ruleFor(keyBytes);
    BucketLimit limit = rule != null ? rule.limit() : defaultLimit;
    int group = router.groupOf(keyBytes);
    BucketReport.Builder report = BucketReport.newBuilder().setKey(key).setGroup(group)
        .setCapacity(limit.capacity()).setRefillPerSecond(limit.refillPerSecond())
        .setHasRule(rule != null).setRulePrefix(rule != null ? rule.prefix() : "");
    return router.submit(group, new BucketOp(keyBytes, 0, limit, kind))
        .thenApply(decision -> withDecision(report, decision));
  }

  private static BucketReport withDecision(BucketReport.Builder report, Decision decision) {
    return report.setRemaining(decision.remaining())
        .setRetryAfterMillis(decision.retryAfterMillis()).build();
  }
}
