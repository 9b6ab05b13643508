package io.raftlimiter.server.api;

/** A request the node refuses before anything is consumed; the message says what was wrong. */
public final class InvalidRequestException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message);
  }
}
