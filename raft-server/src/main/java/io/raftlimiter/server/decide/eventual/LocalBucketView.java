package io.raftlimiter.server.decide.eventual;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.TokenBucket;

/**
 * One key's bucket as an EVENTUAL node sees it: the state the owning group last reported,
 * refilled on this node's clock, minus the hits this node has admitted since ({@code unsynced})
 * and those it has sent but not yet heard back about ({@code syncing}).
 *
 * <p>Pure and single-threaded: {@link EventualDecider} holds the view's monitor around every call.
 * Time is a monotonic nanosecond count handed in.
 */
final class LocalBucketView {
  private BucketState synced;
  private long unsynced;
  private long syncing;
  private long lastUseNanos;
  private long lastSyncNanos;
  /**
   * Since when this node has owed the group hits that no sync has acknowledged
   * ({@link Long#MAX_VALUE} while it owes nothing): the age of the oldest unreported admission.
   */
  private long owedSinceNanos = Long.MAX_VALUE;
  /** Since when hits have waited that no sync carries yet ({@code MAX_VALUE}: none). */
  private long unsyncedSinceNanos = Long.MAX_VALUE;
  /** Set when the view has left the map: a caller that still holds it must fetch a fresh one. */
  private boolean retired;

  /** A key this node knows nothing of: assumed full until the first sync says otherwise. */
  LocalBucketView(BucketLimit limit, long nowNanos) {
    this.synced = BucketState.full(limit, nowNanos);
    this.lastUseNanos = nowNanos;
    this.lastSyncNanos = Long.MIN_VALUE;
  }

  /**
   * Admits {@code permits} if the view holds them after what this node still owes the group, and
   * if no admission has gone unreported for longer than {@code maxStalenessNanos}: a node cut
   * off from the group (its syncs failing) stops admitting then, instead of going on admitting
   * the refill on its own clock for as long as the partition lasts.
   */
  Decision tryTake(long permits, BucketLimit limit, long nowNanos, long maxStalenessNanos) {
    synced = TokenBucket.withLimit(synced, limit, nowNanos);
    lastUseNanos = nowNanos;
    if (owedSinceNanos != Long.MAX_VALUE && nowNanos - owedSinceNanos > maxStalenessNanos) {
      // no telling when the group answers again: try after a tenth of the bound
      return new Decision(false, 0, Math.max(1, maxStalenessNanos / 10_000_000));
    }
    long owedMicros = (unsynced + syncing) * BucketLimit.MICROS_PER_TOKEN;
    BucketState visible = new BucketState(limit,
        Math.max(BucketState.MIN_TOKENS_MICROS, synced.tokensMicros() - owedMicros),
        synced.refillRemainder(), synced.lastRefillNanos());
    Decision decision = TokenBucket.tryAcquire(visible, limit, permits, nowNanos).decision();
    if (decision.allowed()) {
      if (owed() == 0) {
        owedSinceNanos = nowNanos;
      }
      if (unsynced == 0) {
        unsyncedSinceNanos = nowNanos;
      }
      unsynced += permits;
    }
    return decision;
  }

  /**
   * Whether the next sync should carry this key: hits to report, or a view older than
   * {@code maxAgeNanos} that would admit. A view that refuses needs no read: the others' hits can
   * only make the bucket emptier than it says.
   */
  boolean wantsSync(long nowNanos, long maxAgeNanos) {
    if (unsynced > 0) {
      return true;
    }
    if (syncing > 0 || nowNanos - lastSyncNanos < maxAgeNanos) {
      return false;
    }
    return TokenBucket.refill(synced, nowNanos).tokensMicros() >= BucketLimit.MICROS_PER_TOKEN;
  }

  /** Moves the unsynced hits into a sync and returns how many to charge (0: a read). */
  long beginSync() {
    long charge = Math.min(unsynced, BucketLimit.MAX_CAPACITY);
    unsynced -= charge;
    syncing += charge;
    if (unsynced == 0) {
      unsyncedSinceNanos = Long.MAX_VALUE;
    }
    return charge;
  }

  /** The group applied the charge: {@code remaining} whole tokens were left, a debt if below 0. */
  void synced(long charged, long remaining, long nowNanos) {
    syncing -= charged;
    if (owed() == 0) {
      owedSinceNanos = Long.MAX_VALUE;
    } else if (syncing == 0) {
      owedSinceNanos = unsyncedSinceNanos; // what is left was admitted after this sync began
    }
    BucketLimit limit = synced.limit();
    long tokensMicros = Math.max(BucketState.MIN_TOKENS_MICROS / BucketLimit.MICROS_PER_TOKEN,
        Math.min(remaining, limit.capacity())) * BucketLimit.MICROS_PER_TOKEN;
    synced = new BucketState(limit, tokensMicros, 0, nowNanos);
    lastSyncNanos = nowNanos;
  }

  /** The charge did not go through: its hits are owed again and go with the next sync. */
  void syncFailed(long charged) {
    syncing -= charged;
    unsynced += charged;
    unsyncedSinceNanos = owedSinceNanos; // these hits are the oldest owed
  }

  /**
   * Whether the view can be forgotten: nothing owed, unused for {@code idleNanos}, and refilled to
   * full, so that a fresh view (assumed full) would say the same.
   */
  boolean forgettable(long nowNanos, long idleNanos) {
    return unsynced == 0 && syncing == 0 && nowNanos - lastUseNanos >= idleNanos
        && TokenBucket.refill(synced, nowNanos).isFull();
  }

  /** How long the view has gone unused. */
  long idleFor(long nowNanos) {
    return nowNanos - lastUseNanos;
  }

  BucketLimit limit() {
    return synced.limit();
  }

  void retire() {
    retired = true;
  }

  boolean retired() {
    return retired;
  }

  long owed() {
    return unsynced + syncing;
  }
}
