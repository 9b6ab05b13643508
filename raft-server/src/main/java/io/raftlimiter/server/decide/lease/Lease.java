package io.raftlimiter.server.decide.lease;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.LeaseTerm;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The tokens of one key that this node holds on lease: taken from the bucket by the owning group
 * before any of them is admitted here, which is why LEASED never over-admits.
 *
 * <p>Each grant is spent only until {@link LeaseTerm#spendableNanos} after its request was sent;
 * what is left then is dropped, not spent and not given back: the group counts it out on lease
 * until its term is over, and takes it back then. That is what keeps the tokens of all leases
 * plus the bucket under the capacity, so no interval admits more than {@code C + R·t}.
 *
 * <p>Pure and single-threaded: {@link LeasedDecider} holds the lease's monitor around every call.
 * Time is a monotonic nanosecond count handed in.
 */
final class Lease {
  private final byte[] key;
  /**
   * The key's limit as the latest request gave it: the lease never holds more than its capacity.
   * Grants do not change it: one asked for under an older limit may come back after a request
   * under a new one.
   */
  private BucketLimit limit;
  private long tokens;
  /** The grants behind {@link #tokens}, oldest first: {tokens, spendable until (nanos)}. */
  private final ArrayDeque<long[]> grants = new ArrayDeque<>();
  /** The group found the bucket empty: requests are refused here, without asking, until then. */
  private long emptyUntilNanos = Long.MIN_VALUE;
  /** The last grant left less than a token in the bucket. */
  private boolean lastGrantEmptied;
  private long lastUseNanos;
  /**
   * Permits asked of this lease in the current window of one spendable time, which started at
   * {@link #windowStartNanos}, and in the window before it.
   */
  private long windowDemand;
  private long previousWindowDemand;
  private long windowStartNanos;
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
    this.windowStartNanos = nowNanos;
  }

  /**
   * Decides from the lease alone: allowed when it holds the permits; refused while the bucket is
   * known to be empty, and also after that when the last grant emptied it (a token or so may have
   * come since: the next grant, asked for in the background, collects it); {@code null} when only
   * a grant can tell, because the bucket had more than was granted.
   */
  Decision tryTake(long permits, long nowNanos) {
    lastUseNanos = nowNanos;
    dropUnspendable(nowNanos);
    if (tokens >= permits) {
      take(permits);
      lastServedNanos = nowNanos;
      return new Decision(true, tokens, 0);
    }
    if (nowNanos < emptyUntilNanos) {
      return new Decision(false, tokens, ceilMillis(emptyUntilNanos - nowNanos));
    }
    if (lastGrantEmptied) {
      return new Decision(false, tokens, ceilMillis(refillNanos(permits, limit.refillPerSecond())));
    }
    return null;
  }

  /** Drops the grants whose spendable time is over. */
  private void dropUnspendable(long nowNanos) {
    while (!grants.isEmpty() && nowNanos >= grants.peekFirst()[1]) {
      tokens -= grants.pollFirst()[0];
    }
  }

  /** Takes {@code permits} from the oldest grants first, which run out of time first. */
  private void take(long permits) {
    tokens -= permits;
    long left = permits;
    while (left > 0) {
      long[] oldest = grants.peekFirst();
      long taken = Math.min(left, oldest[0]);
      oldest[0] -= taken;
      left -= taken;
      if (oldest[0] == 0) {
        grants.pollFirst();
      }
    }
  }

  private static long ceilMillis(long nanos) {
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999));
  }

  /** Whether to ask for more before running dry: below {@code lowWater}, not known empty, not asking. */
  boolean wantsTopUp(long lowWater, long nowNanos) {
    return pendingGrant == null && tokens < lowWater && nowNanos >= emptyUntilNanos;
  }

  /**
   * How many tokens to ask for: what this node's callers asked of the lease within one spendable
   * time ({@link #noteDemand}, the fuller of the current and the last window), between
   * {@code permits} and {@code share}. A grant's unspent tokens are dropped when its time is up
   * and stay counted out of the bucket until their term ends, so a lease that asked for a full
   * share on a key used a few times a second would keep most of the bucket from everyone; a busy
   * key still asks for its whole share, refused requests counting as demand too.
   */
  long askSize(long share, long permits, long spendableNanos, long nowNanos) {
    roll(spendableNanos, nowNanos);
    return Math.max(permits, Math.min(share, Math.max(windowDemand, previousWindowDemand)));
  }

  /** Counts a request's permits as asked of this lease (once per request, granted or not). */
  void noteDemand(long permits, long spendableNanos, long nowNanos) {
    roll(spendableNanos, nowNanos);
    windowDemand += permits;
  }

  private void roll(long windowNanos, long nowNanos) {
    long elapsed = nowNanos - windowStartNanos;
    if (elapsed < windowNanos) {
      return;
    }
    previousWindowDemand = elapsed < 2 * windowNanos ? windowDemand : 0;
    windowDemand = 0;
    windowStartNanos = nowNanos;
  }

  /** The grant in flight, if any. */
  CompletableFuture<Void> pendingGrant() {
    return pendingGrant;
  }

  void grantStarted(CompletableFuture<Void> inFlight) {
    this.pendingGrant = inFlight;
  }

  /**
   * The group granted {@code granted} tokens. An {@code emptiedForNanos} above 0 says the grant
   * left the bucket without a whole token: beyond what was granted, requests are refused here for
   * that long instead of each asking the group ({@link #drainedWaitNanos}).
   *
   * @param sentNanos when the request for the grant was sent: its spendable time starts then
   * @return the tokens that do not fit under the capacity (the limit changed while the grant was
   *     out), which are dropped
   */
  long granted(BucketLimit grantLimit, long granted, long emptiedForNanos, long sentNanos,
      long nowNanos) {
    pendingGrant = null;
    lastGrantEmptied = emptiedForNanos > 0;
    if (lastGrantEmptied) {
      emptyUntilNanos = nowNanos + emptiedForNanos;
    }
    return add(grantLimit, granted, sentNanos, nowNanos);
  }

  /**
   * How long a lease whose grant emptied the bucket refuses before it asks again: until the
   * bucket's next whole token, and beyond that until the {@code asked} tokens have refilled, but
   * no longer than {@code maxWaitNanos}. Every ask is a log entry: on a key drained by three
   * nodes, asking at every token took an entry per token and node (120 a second at R = 50/s,
   * more than the key's admissions) for a token or two each. Waiting takes nothing from the key:
   * what refills meanwhile stays in the bucket for the next grant. (The bucket refills up to its
   * capacity less what is out on lease, about half the capacity on a busy key; a wait of a
   * quarter term refills a sixteenth.)
   *
   * @param nextTokenNanos when the group said the bucket's next whole token comes
   */
  static long drainedWaitNanos(long nextTokenNanos, long asked, double refillPerSecond,
      long maxWaitNanos) {
    return Math.max(nextTokenNanos, Math.min(maxWaitNanos, refillNanos(asked, refillPerSecond)));
  }

  /** How long {@code tokens} take to refill at {@code refillPerSecond}, capped at ~11 days. */
  private static long refillNanos(long tokens, double refillPerSecond) {
    return (long) Math.min(1e15, 1e9 * tokens / refillPerSecond);
  }

  /**
   * Adds the tokens of a grant whose answer was lost and came back on a resend; the grant now in
   * flight, if any, is untouched.
   *
   * @param firstSentNanos when the grant was first asked for: its spendable time starts then
   * @return the tokens that do not fit under the capacity, which are dropped
   */
  long recovered(BucketLimit grantLimit, long granted, long firstSentNanos, long nowNanos) {
    return add(grantLimit, granted, firstSentNanos, nowNanos);
  }

  private long add(BucketLimit grantLimit, long granted, long sentNanos, long nowNanos) {
    dropUnspendable(nowNanos);
    // The bucket counts the grant as leased for its own limit's term; the shorter spendable time
    // of the two limits keeps the tokens inside both.
    long spendableUntilNanos = sentNanos
        + Math.min(LeaseTerm.spendableNanos(grantLimit), LeaseTerm.spendableNanos(limit));
    long room = limit.capacity() - tokens;
    long kept = nowNanos < spendableUntilNanos ? Math.min(granted, room) : 0;
    if (kept > 0) {
      tokens += kept;
      // a recovered grant may be older than those held: keep the oldest first
      long[] grant = {kept, spendableUntilNanos};
      if (grants.isEmpty() || grants.peekLast()[1] <= spendableUntilNanos) {
        grants.addLast(grant);
      } else {
        grants.addFirst(grant);
      }
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
      if (tokens > current.capacity()) {
        take(tokens - current.capacity());
      }
      // a wait sized by the old limit's refill says nothing of the new one: ask again
      emptyUntilNanos = Long.MIN_VALUE;
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

  /**
   * Ends the lease, dropping what it holds: the group takes those tokens back when their term is
   * over (a return could reach it after that and count them twice).
   *
   * @return the tokens dropped
   */
  long surrender() {
    retired = true;
    long unused = tokens;
    tokens = 0;
    grants.clear();
    return unused;
  }

  boolean retired() {
    return retired;
  }

  long tokens() {
    return tokens;
  }
}
