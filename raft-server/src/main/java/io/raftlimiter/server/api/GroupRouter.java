package io.raftlimiter.server.api;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.server.commit.GroupCommitter;
import java.util.concurrent.CompletableFuture;

/** Finds the group that owns a key, the committer that gets ops into its log, and its leader. */
public interface GroupRouter {
  /** The index of the data group owning {@code key}. */
  int groupOf(byte[] key);

  GroupCommitter committer(int group);

  /** Whether this node leads data group {@code group} (else its acquires are forwarded). */
  boolean leads(int group);

  /** Queues {@code op} with its group's committer; a failure completes the future, never throws. */
  default CompletableFuture<Decision> submit(AcquireOp op) {
    try {
      return committer(groupOf(op.key())).acquire(op);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
