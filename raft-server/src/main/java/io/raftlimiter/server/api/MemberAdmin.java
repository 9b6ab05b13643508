package io.raftlimiter.server.api;

import io.raftlimiter.meta.MetaReply;
import java.util.concurrent.CompletableFuture;

/** Changes the cluster's membership, through the metadata group. */
public interface MemberAdmin {
  /**
   * Marks {@code node} leaving. Completes with the metadata group's reply.
   *
   * @throws IllegalArgumentException when the node cannot be drained, before anything is asked
   *     of the metadata group
   */
  CompletableFuture<MetaReply> drain(String node);
}
