package io.raftlimiter.server.decide;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.OverloadedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Decides acquires under one consistency mode: {@link StrongDecider} through the owning group's
 * log, {@code EventualDecider} and {@code LeasedDecider} on this node. Never throws: a failure completes the future
 * exceptionally (with {@code GroupUnavailableException} when the owning group cannot decide),
 * and no failure is ever turned into an allowed decision.
 */
public interface Decider {
  CompletableFuture<Decision> decide(BucketOp op);

  /**
   * {@link #decide(BucketOp)} for a caller who waits until {@code deadlineNanos}
   * ({@link System#nanoTime()}, or {@code GroupCommitter.NO_DEADLINE}): an op this decider sends
   * to its group on the caller's behalf is dropped if still queued then, as a STRONG op is.
   * Deciders that never make the caller wait on a group ignore it.
   */
  default CompletableFuture<Decision> decide(BucketOp op, long deadlineNanos) {
    return decide(op);
  }

  /**
   * {@link #decide(BucketOp, long)} for several ops of one caller, in op order. Deciders that
   * send ops to groups send a group's ops together, so that they share entries.
   */
  default List<CompletableFuture<Decision>> decideAll(List<BucketOp> ops, long deadlineNanos) {
    List<CompletableFuture<Decision>> decided = new ArrayList<>(ops.size());
    for (BucketOp op : ops) {
      decided.add(decide(op, deadlineNanos));
    }
    return decided;
  }

  /**
   * Whether {@code error}, the failure of an op sent to a group, says the op was refused before
   * it could take anything (shed, or out of time before the log); any other failure may have
   * come after the op was applied.
   */
  static boolean tookNothing(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    return cause instanceof OverloadedException || cause instanceof DeadlineExpiredException;
  }
}
