package io.raftlimiter.server.data.commit;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * When a {@link Coalescer} holds its next batch back so that the callers it just answered can
 * ride in it.
 *
 * <p>Why: with one batch in flight and the next cut the moment it completes, a closed loop of
 * callers splits into two cohorts that alternate (those answered by batch n queue up while batch
 * n+1, cut from the others, is in flight), so each batch carries half of them, and the fixed cost
 * of a batch (a Raft round: dozens of thread wake-ups over three processes) is paid twice as
 * often as it must. Holding the next batch for a moment after a large one completes lets the
 * answered cohort come back and join it.
 *
 * <p>A batch is held only after a batch of at least {@code minItems} (so that at low load, where
 * batches are small, nothing waits), until as many items are queued as the last batch carried
 * plus those already waiting (or the share of it that came back in the holds before, {@link
 * ReturningShare}), or for at most {@code maxNanos} and {@code roundPercent} of the last batch's
 * round, whichever is shorter.
 *
 * @param minItems the batch size from which the next one is held; {@code Integer.MAX_VALUE}
 *     never holds
 * @param maxNanos the longest a batch is held
 * @param roundPercent the longest a batch is held, in percent of the last batch's round
 * @param timer ends a hold that the arrivals did not end; its tasks only drain the queue
 * @param nanoClock the time rounds and holds are measured in ({@link System#nanoTime()})
 */
public record Linger(int minItems, long maxNanos, int roundPercent,
    ScheduledExecutorService timer, LongSupplier nanoClock) {
  /** Never holds a batch back. */
  public static final Linger NONE = new Linger(Integer.MAX_VALUE, 0, 0, null, System::nanoTime);

  public Linger {
    if (minItems < 2 || maxNanos < 0 || roundPercent < 0 || nanoClock == null
        || (minItems != Integer.MAX_VALUE && timer == null)) {
      throw new IllegalArgumentException("minItems must be >= 2, maxNanos and roundPercent >= 0, "
          + "and a timer given unless the linger is off");
    }
  }

  /**
   * Holds after batches of {@code minItems} or more, for at most {@code maxMicros} and
   * {@code roundPercent} of the last round.
   */
  public static Linger of(int minItems, long maxMicros, int roundPercent,
      ScheduledExecutorService timer) {
    return maxMicros == 0 || roundPercent == 0 ? NONE
        : new Linger(minItems, TimeUnit.MICROSECONDS.toNanos(maxMicros), roundPercent, timer,
            System::nanoTime);
  }

  boolean enabled() {
    return maxNanos > 0 && roundPercent > 0;
  }

  /** How long to hold the batch after one of {@code items} that took {@code roundNanos}. */
  long holdNanos(int items, long roundNanos) {
    return items < minItems ? 0 : Math.min(maxNanos, roundNanos / 100 * roundPercent);
  }
}
