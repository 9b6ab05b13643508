package io.raftlimiter.server.data.commit;

import java.util.concurrent.CompletableFuture;

/**
 * The op's deadline (its caller's, or the request timeout counted from its arrival) passed while
 * it waited in the queue, so it was dropped before it reached the log: nothing was consumed.
 */
public final class DeadlineExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeadlineExpiredException(String message) {
    super(message, null, false, false);
  }

  /**
   * Fails {@code result} with this exception if {@code deadlineNanos} ({@link System#nanoTime()},
   * or {@link GroupCommitter#NO_DEADLINE}) has passed; answers whether it did.
   */
  public static boolean failIfPassed(long deadlineNanos, CompletableFuture<?> result, String message) {
    if (deadlineNanos == GroupCommitter.NO_DEADLINE || System.nanoTime() < deadlineNanos) {
      return false;
    }
    result.completeExceptionally(new DeadlineExpiredException(message));
    return true;
  }
}
