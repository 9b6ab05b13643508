package io.raftlimiter.bucket;

/**
 * The outcome of one op on a bucket.
 *
 * @param allowed whether the permits were taken (for a lease: whether any were granted)
 * @param remaining whole tokens left after the op, rounded down; below zero only for a bucket in
 *     debt, which only {@code CHARGE} ops report
 * @param retryAfterMillis 0 when allowed, else the time until the permits will be there; for a
 *     lease, the time until the bucket holds a whole token again (0 if it still does)
 * @param granted tokens a lease took from the bucket; 0 for every other op
 * @param replayed the op repeated one applied before under the same id: this is that op's
 *     decision, and nothing was taken now
 */
public record Decision(boolean allowed, long remaining, long retryAfterMillis, long granted,
    boolean replayed) {
  public Decision(boolean allowed, long remaining, long retryAfterMillis, long granted) {
    this(allowed, remaining, retryAfterMillis, granted, false);
  }

  public Decision(boolean allowed, long remaining, long retryAfterMillis) {
    this(allowed, remaining, retryAfterMillis, 0);
  }

  /** This decision given again to a repeat of its op. */
  public Decision asReplayed() {
    return new Decision(allowed, remaining, retryAfterMillis, granted, true);
  }
}
