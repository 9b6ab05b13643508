package io.raftlimiter.entry;

/** An entry or reply that does not decode: a bug or corruption, never a user error. */
public final class MalformedEntryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MalformedEntryException(String message) {
    super(message);
  }

  public MalformedEntryException(String message, Throwable cause) {
    super(message, cause);
  }
}
