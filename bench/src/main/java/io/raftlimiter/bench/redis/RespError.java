package io.raftlimiter.bench.redis;

/** An error reply from Redis ({@code -ERR ...}, {@code -NOSCRIPT ...}). */
public final class RespError extends RuntimeException {
  public RespError(String message) {
    super(message);
  }

  /** The error's first word, e.g. {@code ERR} or {@code NOSCRIPT}. */
  public String kind() {
    String message = getMessage();
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
  }
}
