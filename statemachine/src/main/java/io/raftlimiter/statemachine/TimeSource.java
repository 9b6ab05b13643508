package io.raftlimiter.statemachine;

import java.time.Instant;

/** The one place a clock is read: by the leader, when it stamps an entry. Never inside apply. */
@FunctionalInterface
public interface TimeSource {
  /** Nanoseconds since the epoch. */
  long nowNanos();

  /** The wall clock; epoch-based so that stamps from different leaders are comparable. */
  static TimeSource system() {
    return () -> {
      Instant now = Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }
}
