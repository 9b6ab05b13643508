package io.raftlimiter.bench.measure;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one measured phase produced; latencies in microseconds. {@code localCallLatencyMicros}
 * holds the calls the node decided locally ({@code decided_locally}), a subset of
 * {@code callLatencyMicros}.
 */
public record PhaseMeasurement(double seconds, long calls, long allowed, long rejected,
    long errors, Map<String, Long> errorsByCode, Histogram callLatencyMicros,
    Histogram decisionLatencyMicros, Histogram localCallLatencyMicros,
    AdmissionLedger.Summary admission,
    Timeline.Slot[] timeline) {

  public long decisions() {
    return allowed + rejected;
  }

  /** The share of the answered calls that were decided locally, 0 to 1. */
  public double localShare() {
    long answered = callLatencyMicros.getTotalCount();
    return answered == 0 ? 0 : (double) localCallLatencyMicros.getTotalCount() / answered;
  }

  public double decisionsPerSecond() {
    return seconds > 0 ? decisions() / seconds : 0;
  }
}
