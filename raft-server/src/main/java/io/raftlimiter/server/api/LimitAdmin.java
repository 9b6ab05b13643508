package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.MetaReply;
import java.util.concurrent.CompletableFuture;

/** Changes and reads the cluster's limit rules, through the metadata group. */
public interface LimitAdmin {
  /** Sets the rule of {@code prefix}; in {@code shadow} mode its refusals are answered allowed. */
  CompletableFuture<MetaReply> setRule(String prefix, BucketLimit limit, boolean shadow);

  CompletableFuture<MetaReply> removeRule(String prefix);

  CompletableFuture<MetaReply> rules();
}
