package io.raftlimiter.cli;

/** A wrong flag value found after parsing; reported on one line with exit code 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
