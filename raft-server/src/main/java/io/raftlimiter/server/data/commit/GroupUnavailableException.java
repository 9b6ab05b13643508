package io.raftlimiter.server.data.commit;

/** The group could not commit in time (no quorum, no leader): the decision was not made. */
public final class GroupUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GroupUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
