package io.raftlimiter.bench.measure;

import java.util.Map;
import org.HdrHistogram.Histogram;

/** What one measured phase produced; latencies in microseconds. */
public record PhaseMeasurement(double seconds, long calls, long allowed, long rejected,
    long errors, Map<String, Long> errorsByCode, Histogram callLatencyMicros,
    Histogram decisionLatencyMicros, AdmissionLedger.Summary admission,
    Timeline.Slot[] timeline) {

  public long decisions() {
    return allowed + rejected;
  }

  public double decisionsPerSecond() {
    return seconds > 0 ? decisions() / seconds : 0;
  }
}
