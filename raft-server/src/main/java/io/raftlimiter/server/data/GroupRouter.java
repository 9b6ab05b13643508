package io.raftlimiter.server.data;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.server.data.commit.GroupCommitter;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Finds the group that owns a key, whether this node leads it, and gets ops into its log. */
public interface GroupRouter {

  /** The index of the data group owning {@code key}. */
  int groupOf(byte[] key);

  /** Whether this node leads data group {@code group} (else its ops are forwarded). */
  boolean leads(int group);

  /**
   * Gets {@code op} into the log of {@code group} by the shortest way: this node's group commit
   * when it leads the group, else the leader's (forwarded). The future completes once the op is
   * decided, or fails; never throws.
   */
  CompletableFuture<Decision> submit(int group, BucketOp op);

  /**
   * {@link #submit(int, BucketOp)} for several ops of one group, queued together so that they
   * share entries (and forward calls); the futures are in op order.
   */
  List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops);

  /**
   * {@link #submitAll(int, List)} for a caller who waits until {@code deadlineNanos}
   * ({@link System#nanoTime()}, or {@link GroupCommitter#NO_DEADLINE}): an op still queued then
   * is dropped before it reaches the log.
   * Implementations without queues ignore it.
   */
  default List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops,
      long deadlineNanos) {
    return submitAll(group, ops);
  }

  /**
   * Proposes {@code entry} (a charge batch) to {@code group}'s log as an entry of its own, through
   * the group's leader: never merged with other ops, so that the batch's id covers exactly its
   * charges. The future completes with the decisions in op order once the entry is applied, or
   * fails; never throws.
   */
  CompletableFuture<List<Decision>> propose(int group, LogEntry entry);

  /** {@link #submit(int, BucketOp)} to the group owning the op's key. */
  default CompletableFuture<Decision> submit(BucketOp op) {
    try {
      return submit(groupOf(op.key()), op);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
