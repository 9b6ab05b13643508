package io.raftlimiter.server.decide.lease;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The tokens of one key that this node holds on lease: taken from the bucket by the owning group
 * before any of them is admitted here, which is why LEASED never over-admits.
 *
 * <p>Pure and single-threaded: {@link LeasedDecider} holds the lease's monitor around every call.
 * Time is a monotonic nanosecond count handed in.
 */
final class Lease {
  private final byte[] key;
  /** The limit of the last grant: the one the tokens go back under. */
  private BucketLimit limit;
  private long tokens;
  /** The group found the bucket empty: requests are refused here, without asking, until then. */
  private long emptyUntilNanos = Long.MIN_VALUE;
  /** The last grant left less than a token in the bucket. */
  private boolean lastGrantEmptied;
  private long lastUseNanos;
  /** When the lease last admitted a request or was granted tokens: what a refusing lease idles by. */
  private long lastServedNanos;
  /** The grant asked of the group and not answered yet; null when none is. */
  private CompletableFuture<Void> pendingGrant;
  private boolean retired;

  Lease(byte[] key, BucketLimit limit, long nowNanos) {
    this.key = key;
    this.limit = limit;
    this.lastUseNanos = nowNanos;
    this.lastServedNanos = nowNanos;
  }

  /**
   * Decides from the lease alone: allowed when it holds the permits; refused while the bucket is
   * known to be empty, and also after that when the last grant emptied it (a token or so may have
   * come since: the next grant, asked for in the background, collects it); {@code null} when only
   * a grant can tell, because the bucket had more than was granted.
   */
  Decision tryTake(long permits, long nowNanos) {
    lastUseNanos = nowNanos;
    if (tokens >= permits) {
      tokens -= permits;
      lastServedNanos = nowNanos;
      return new Decision(true, tokens, 0);
    }
    if (nowNanos < emptyUntilNanos) {
      return new Decision(false, tokens, ceilMillis(emptyUntilNanos - nowNanos));
    }
    if (lastGrantEmptied) {
      double refill = limit.refillPerSecond();
      return new Decision(false, tokens, ceilMillis((long) Math.min(1e15, 1e9 * permits / refill)));
    }
    return null;
  }

  private static long ceilMillis(long nanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
  }

  /** Whether to ask for more before running dry: below {@code lowWater}, not known empty, not asking. */
  boolean wantsTopUp(long lowWater, long nowNanos) {
    return pendingGrant == null && tokens < lowWater && nowNanos >= emptyUntilNanos;
  }

  /** The grant in flight, if any. */
  CompletableFuture<Void> pendingGrant() {
    return pendingGrant;
  }

  void grantStarted(CompletableFuture<Void> inFlight) {
    this.pendingGrant = inFlight;
  }

  /**
   * The group granted {@code granted} tokens. A {@code nextTokenMillis} above 0 says the grant
   * left the bucket without a whole token until then: beyond what was granted, requests are
   * refused here until that time instead of each asking the group.
   *
   * @return the tokens that do not fit under the capacity (the limit changed while the grant was
   *     out), which the caller gives back
   */
  long granted(BucketLimit grantLimit, long granted, long nextTokenMillis, long nowNanos) {
    pendingGrant = null;
    lastGrantEmptied = nextTokenMillis > 0;
    if (lastGrantEmptied) {
      emptyUntilNanos = nowNanos + TimeUnit.MILLISECONDS.toNanos(nextTokenMillis);
    }
    return add(grantLimit, granted, nowNanos);
  }

  /**
   * Adds the tokens of a grant whose answer was lost and came back on a resend; the grant now in
   * flight, if any, is untouched.
   *
   * @return the tokens that do not fit under the capacity, which the caller gives back
   */
  long recovered(BucketLimit grantLimit, long granted, long nowNanos) {
    return add(grantLimit, granted, nowNanos);
  }

  private long add(BucketLimit grantLimit, long granted, long nowNanos) {
    reconcile(grantLimit);
    long room = limit.capacity() - tokens;
    long kept = Math.min(granted, room);
    tokens += kept;
    if (kept > 0) {
      lastServedNanos = nowNanos;
    }
    return granted - kept;
  }

  /** Tokens a grant may add without the lease holding more than the capacity. */
  long room() {
    return Math.max(0, limit.capacity() - tokens);
  }

  /**
   * Follows a change of the key's limit: the lease never holds more than the new capacity (the
   * excess is dropped, which can only under-admit), and gives back under the new limit.
   */
  void reconcile(BucketLimit current) {
    if (!current.equals(limit)) {
      limit = current;
      tokens = Math.min(tokens, current.capacity());
    }
  }

  /** The grant failed: nothing changes, and the next request may ask again. */
  void grantFailed() {
    pendingGrant = null;
  }

  /**
   * Whether the lease should end, with no grant in flight: unused for {@code idleNanos}, or empty
   * and only refusing for that long (its key may be busy, but this node holds nothing of it: the
   * group decides again, as for a cold key, until a new lease is worth it).
   */
  boolean expired(long nowNanos, long idleNanos) {
    return pendingGrant == null && (nowNanos - lastUseNanos >= idleNanos
        || tokens == 0 && nowNanos - lastServedNanos >= idleNanos);
  }

  /** Ends the lease: the op that gives its unused tokens back, or {@code null} if none are left. */
  BucketOp surrender() {
    retired = true;
    long unused = Math.min(tokens, limit.capacity()); // more would not fit in the bucket
    tokens = 0;
    return unused == 0 ? null : new BucketOp(key, unused, limit, OpKind.RETURN);
  }

  boolean retired() {
    return retired;
  }

  long tokens() {
    return tokens;
  }
}
