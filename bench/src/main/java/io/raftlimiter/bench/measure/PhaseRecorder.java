package io.raftlimiter.bench.measure;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Everything measured during one phase (a mode's measured seconds), fed from the completion
 * callbacks of many threads at once: counters, latency histograms, the timeline and the admission
 * ledger. Latency runs from a call's intended start (its scheduled time in an open loop), so a
 * stalled target cannot hide its queueing by slowing the sender (coordinated omission).
 */
public final class PhaseRecorder {
  private static final long MAX_LATENCY_MICROS = 3_600_000_000L;

  private final long epochNanos;
  private final AdmissionLedger ledger;
  private final Timeline timeline;
  private final Recorder callLatency = new Recorder(MAX_LATENCY_MICROS, 3);
  private final Recorder decisionLatency = new Recorder(MAX_LATENCY_MICROS, 3);
  /** The calls decided locally only: what a call answered from a lease or a view costs. */
  private final Recorder localCallLatency = new Recorder(MAX_LATENCY_MICROS, 3);
  private final LongAdder calls = new LongAdder();
  private final LongAdder allowed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder failedDecisions = new LongAdder();
  private final Map<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();

  /** @param ledger null when admission is not checked (a warm-up) */
  public PhaseRecorder(long epochNanos, AdmissionLedger ledger, double timelineSeconds) {
    this.epochNanos = epochNanos;
    this.ledger = ledger;
    this.timeline = new Timeline(epochNanos, timelineSeconds);
  }

  public long epochNanos() {
    return epochNanos;
  }

  public AdmissionLedger ledger() {
    return ledger;
  }

  /**
   * A call of {@code decisions} decisions came back, {@code allowedCount} of them allowed;
   * {@code local}: the node decided them all at once ({@code decided_locally}).
   */
  public void answered(long startNanos, long answeredNanos, int decisions, int allowedCount,
      boolean local) {
    long micros = Math.max(1, (answeredNanos - startNanos) / 1000);
    long recorded = Math.min(micros, MAX_LATENCY_MICROS);
    calls.increment();
    allowed.add(allowedCount);
    rejected.add(decisions - allowedCount);
    callLatency.recordValue(recorded);
    decisionLatency.recordValueWithCount(recorded, decisions);
    if (local) {
      localCallLatency.recordValue(recorded);
    }
    timeline.record(answeredNanos, decisions, 0, micros);
  }

  /** A call of {@code decisions} decisions failed with {@code code} (a gRPC status, ...). */
  public void failed(long startNanos, long answeredNanos, int decisions, String code) {
    calls.increment();
    failedDecisions.add(decisions);
    errorsByCode.computeIfAbsent(code, c -> new LongAdder()).add(decisions);
    timeline.record(answeredNanos, 0, decisions, Math.max(1, (answeredNanos - startNanos) / 1000));
  }

  public long decisions() {
    return allowed.sum() + rejected.sum();
  }

  public long errors() {
    return failedDecisions.sum();
  }

  /** Closes the phase: call once every call has been answered or has failed. */
  public PhaseMeasurement finish(double seconds) {
    Map<String, Long> errors = new TreeMap<>();
    errorsByCode.forEach((code, count) -> errors.put(code, count.sum()));
    Histogram perCall = callLatency.getIntervalHistogram();
    Histogram perDecision = decisionLatency.getIntervalHistogram();
    return new PhaseMeasurement(seconds, calls.sum(), allowed.sum(), rejected.sum(),
        failedDecisions.sum(), errors, perCall, perDecision,
        localCallLatency.getIntervalHistogram(),
        ledger == null ? null : ledger.summary(), timeline.slots());
  }
}
