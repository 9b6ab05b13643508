package io.raftlimiter.store;

/** Storage failed underneath the state machine; the replica cannot go on applying. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message + ": " + cause.getMessage(), cause);
  }
}
