package io.raftlimiter.server.commit;

/**
 * The op's deadline (its caller's, or the request timeout counted from its arrival) passed while
 * it waited in the queue, so it was dropped before it reached the log: nothing was consumed.
 */
public final class DeadlineExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeadlineExpiredException(String message) {
    super(message, null, false, false);
  }
}
