package io.raftlimiter.bench.measure;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Decisions, errors and the slowest call per 100 ms of a phase, by the time the answer came, so
 * a node kill shows as a gap in decisions and a spike in latency. Answers after the last slot
 * (a long drain) are not drawn.
 */
public final class Timeline {
  public static final long SLOT_NANOS = 100_000_000L;

  /** One slot, for the report. */
  public record Slot(double startSeconds, long decisions, long errors, long maxLatencyMicros) {}

  private final long epochNanos;
  private final AtomicLongArray decisions;
  private final AtomicLongArray errors;
  private final AtomicLongArray maxLatencyMicros;

  public Timeline(long epochNanos, double seconds) {
    this.epochNanos = epochNanos;
    int slots = (int) Math.ceil(seconds * 1e9 / SLOT_NANOS);
    decisions = new AtomicLongArray(slots);
    errors = new AtomicLongArray(slots);
    maxLatencyMicros = new AtomicLongArray(slots);
  }

  public void record(long answeredNanos, int decided, int failed, long latencyMicros) {
    long slot = (answeredNanos - epochNanos) / SLOT_NANOS;
    if (slot < 0 || slot >= decisions.length()) {
      return;
    }
    int i = (int) slot;
    if (decided > 0) {
      decisions.addAndGet(i, decided);
    }
    if (failed > 0) {
      errors.addAndGet(i, failed);
    }
    maxLatencyMicros.accumulateAndGet(i, latencyMicros, Math::max);
  }

  public Slot[] slots() {
    Slot[] result = new Slot[decisions.length()];
    for (int i = 0; i < result.length; i++) {
      result[i] = new Slot(i * SLOT_NANOS / 1e9, decisions.get(i), errors.get(i),
          maxLatencyMicros.get(i));
    }
    return result;
  }
}
