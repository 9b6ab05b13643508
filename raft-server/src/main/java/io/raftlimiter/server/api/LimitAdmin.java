package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.meta.MetaReply;
import java.util.concurrent.CompletableFuture;

/** Changes and reads the cluster's limit rules, through the metadata group. */
public interface LimitAdmin {
  /** Sets the rule of {@code prefix}; in {@code shadow} mode its refusals are answered allowed. */
  CompletableFuture<MetaReply> setRule(String prefix, BucketLimit limit, boolean shadow);

  CompletableFuture<MetaReply> removeRule(String prefix);

  CompletableFuture<MetaReply> rules();

  /**
   * Replaces every rule with {@code rules} in one metadata entry, if the rules still have
   * {@code expectedDigest} ({@link LimitRules#digest()}; empty: whatever they are).
   */
  CompletableFuture<MetaReply> replaceRules(LimitRules rules, String expectedDigest);

  /** The rules as this node has them now (not a read of the group): for the audit's "before". */
  LimitRules current();
}
