package io.raftlimiter.server.data.commit;

/**
 * How many of the callers a batch answered to expect back while the next batch is held
 * ({@link Linger}), as a share of that batch's items, learned from the holds before. Pure: the
 * {@link Coalescer} tells it how each hold ended.
 *
 * <p>Why learned: a hold that waits for every answered caller waits out its whole time whenever
 * some of them do not come back to this queue at once. Under LEASED, about two in five calls are
 * answered from a lease on the node, so at any moment a few callers are away on such calls, the
 * queue never holds them all, and each hold ran its full 5 ms: LEASED through the Java client
 * decided fewer calls a second than STRONG (p50 2.67 against 2.10 ms), although two in five of its
 * calls took no Raft round. A hold that ran out well short says how many came in its time; the
 * next ones wait for a little less than that, and a share that keeps being reached creeps back
 * up, so a load in which everyone returns (STRONG alone) keeps waiting for everyone.
 */
final class ReturningShare {
  /** Below what came back in a hold that ran out: the next holds end before their time. */
  static final double MARGIN = 0.9;
  /** The least share expected back, so that a hold still waits for some. */
  static final double FLOOR = 1.0 / 16;
  /** How far a reached share moves towards all of them, per hold. */
  static final double CREEP = 1.0 / 16;
  /**
   * A hold that ran out with at least this share back lost a straggler or two, not callers that
   * went elsewhere: nothing to learn (learning from those too cost STRONG a sixth of its ops per
   * entry).
   */
  static final double STRAGGLERS = 0.97;

  private double share = 1.0;

  /** Items to hold for after a batch of {@code items}, with {@code waiting} queued already. */
  synchronized int target(int waiting, int items) {
    return waiting + Math.max(1, (int) Math.ceil(items * share));
  }

  /** A hold ended because its target was reached. */
  synchronized void reached() {
    share += (1 - share) * CREEP;
  }

  /** A hold after a batch of {@code items} ran out of time with {@code arrived} come in it. */
  synchronized void ranOut(int arrived, int items) {
    double came = items <= 0 ? 1 : Math.min(1, Math.max(0, (double) arrived / items));
    if (came < STRAGGLERS) {
      share = Math.max(FLOOR, came * MARGIN);
    }
  }

  synchronized double share() {
    return share;
  }
}
