package io.raftlimiter.statemachine;

import java.time.Instant;

/**
 * The one place clocks are read: by the leader, when it stamps an entry, and by a replica, to
 * note when it applied one (which bounds a later leader's stamps, {@link LeaderClock}). Never
 * inside apply's decisions.
 */
@FunctionalInterface
public interface TimeSource {
  /** The wall clock: nanoseconds since the epoch, so that stamps of different leaders compare. */
  long nowNanos();

  /** A monotonic clock (any origin), for intervals on this node; {@link System#nanoTime()}. */
  default long monotonicNanos() {
    return System.nanoTime();
  }

  /** The system's wall and monotonic clocks. */
  static TimeSource system() {
    return () -> {
      Instant now = Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }
}
