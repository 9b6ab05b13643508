package io.raftlimiter.bucket;

/**
 * Tokens a bucket has granted on lease that a node may still spend, counted by the lease term
 * (in entry time) they were granted in: {@code currentTokens} in term {@code term},
 * {@code previousTokens} in the term before. The bucket refills only up to its capacity less
 * these, so that the bucket and every unspent lease together never hold more than the capacity:
 * that is what bounds what any interval can admit (see {@link LeaseTerm}).
 *
 * <p>The count is conservative: tokens a node has spent stay in it until their term is over,
 * because the group does not hear of spending. Two terms, not one running total, so that a key
 * granted to without pause still sees its old grants drop out.
 */
public record LeasedTokens(long term, long currentTokens, long previousTokens) {
  /** No lease outstanding. */
  public static final LeasedTokens NONE = new LeasedTokens(0, 0, 0);

  public LeasedTokens {
    if (currentTokens < 0 || previousTokens < 0
        || currentTokens > BucketLimit.MAX_CAPACITY || previousTokens > BucketLimit.MAX_CAPACITY) {
      throw new IllegalArgumentException(
          "leased tokens out of range: " + currentTokens + ", " + previousTokens);
    }
  }

  public boolean any() {
    return currentTokens > 0 || previousTokens > 0;
  }

  public long totalMicros() {
    return (currentTokens + previousTokens) * BucketLimit.MICROS_PER_TOKEN;
  }

  /**
   * The next time the count falls: when the current term ends, its tokens become the previous
   * term's and the previous term's drop out.
   */
  public long nextDropNanos(long termNanos) {
    return (term + 1) * termNanos;
  }

  /** When every token counted now has dropped out: the end of the term after the current one. */
  public long allDroppedNanos(long termNanos) {
    return currentTokens > 0 ? (term + 2) * termNanos : nextDropNanos(termNanos);
  }

  /** The count once the current term is over. */
  public LeasedTokens afterTerm() {
    return currentTokens == 0 ? NONE : new LeasedTokens(term + 1, 0, currentTokens);
  }

  /** The count after granting {@code tokens} in term {@code grantTerm} (never before {@link #term}). */
  public LeasedTokens plus(long grantTerm, long tokens) {
    if (!any()) {
      return new LeasedTokens(grantTerm, tokens, 0);
    }
    return new LeasedTokens(term, currentTokens + tokens, previousTokens);
  }
}
