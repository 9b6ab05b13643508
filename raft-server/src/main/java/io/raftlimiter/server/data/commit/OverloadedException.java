package io.raftlimiter.server.data.commit;

/**
 * The group's queue was full, so the op was not queued and nothing was consumed: the caller may
 * retry after {@link #retryAfterMillis()} without being charged twice.
 */
public final class OverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long retryAfterMillis;

  public OverloadedException(String message, long retryAfterMillis) {
    super(message, null, false, false); // shed under load: no stack trace to fill
    this.retryAfterMillis = retryAfterMillis;
  }

  public long retryAfterMillis() {
    return retryAfterMillis;
  }
}
