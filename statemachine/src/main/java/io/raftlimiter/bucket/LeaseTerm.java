package io.raftlimiter.bucket;

/**
 * How long leased tokens live, for the group that counts them and the node that spends them.
 *
 * <p>The guarantee: across the cluster, no interval of length {@code t} admits more than
 * {@code C + R·t}. Let V be the bucket's tokens plus every lease's unspent tokens. Admissions
 * only take from V and only refill adds to it (at R), so if V never exceeds C, an interval of
 * length t admits at most {@code C + R·t}. The bucket keeps V under C by refilling only up to
 * {@code C − leased} ({@link LeasedTokens}), where leased counts each grant until the end of the
 * term after the one it was granted in: at least {@link #termNanos} of entry time after the
 * grant's stamp. The node stops spending a grant {@link #spendableNanos} after it sent the
 * request, on its own monotonic clock: half a term, so the other half absorbs the entry clock
 * running ahead of the node's.
 *
 * <p>A term is a quarter of the time the bucket takes to refill from empty, between
 * {@link #MIN_TERM_NANOS} and {@link #MAX_TERM_NANOS}. Short, because spent tokens stay counted
 * until their term is over: a saturated key has about {@code 2·R·term = C/2} counted, which still
 * leaves it the whole refill. Deterministic: it depends on the limit alone, which the op carries.
 */
public final class LeaseTerm {
  public static final long MIN_TERM_NANOS = 20_000_000L;
  public static final long MAX_TERM_NANOS = 1_000_000_000L;

  private LeaseTerm() {}

  /** The length of the lease terms of a bucket under {@code limit}, in entry-time nanoseconds. */
  public static long termNanos(BucketLimit limit) {
    // capacity / (4 × rate) seconds, computed in micro-tokens so that no rate rounds to zero
    double quarterRefillNanos = 0.25e9 * limit.capacityMicros() / limit.refillMicrosPerSecond();
    return (long) Math.max(MIN_TERM_NANOS, Math.min(MAX_TERM_NANOS, quarterRefillNanos));
  }

  /** How long after sending its request a node may spend a grant under {@code limit}. */
  public static long spendableNanos(BucketLimit limit) {
    return termNanos(limit) / 2;
  }

  /** The term {@code nowNanos} falls in. */
  public static long termOf(long nowNanos, long termNanos) {
    return Math.floorDiv(nowNanos, termNanos);
  }
}
