package io.raftlimiter.bench;

import io.raftlimiter.bench.load.LoadGenerator;
import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.measure.AdmissionLedger;
import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.PhaseRecorder;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.bench.workload.Workload;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs warm-ups and measured phases of one workload against any {@link Target}, each on key
 * names of its own (so measured buckets start full), with progress on stderr.
 */
final class PhaseRunner {
  /** A measured phase's figures and how many calls never came back. */
  record Measured(PhaseMeasurement measurement, int unanswered) {}

  private final Workload workload;
  private final LoadGenerator generator;
  private final Progress progress;
  private final String runId;
  private final long capacity;
  private final double refillPerSecond;
  private final AtomicInteger phases = new AtomicInteger();

  PhaseRunner(Workload workload, LoadGenerator generator, Progress progress, String runId,
      long capacity, double refillPerSecond) {
    this.workload = workload;
    this.generator = generator;
    this.progress = progress;
    this.runId = runId;
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
  }

  void warmUp(String label, Target target, double seconds) throws Exception {
    if (seconds > 0) {
      window(label + " warm-up", target, keySpace(), seconds);
    }
  }

  /** Runs the workload unmeasured on {@code space} for {@code seconds}; returns decisions/s. */
  double window(String label, Target target, KeySpace space, double seconds) throws Exception {
    long start = System.nanoTime();
    PhaseRecorder recorder = new PhaseRecorder(start, null, seconds);
    Runnable stopWatching = progress.watch("[" + label + "]", seconds, recorder);
    try {
      generator.run(target, space, seconds, recorder);
    } finally {
      stopWatching.run();
    }
    return recorder.decisions() / ((System.nanoTime() - start) / 1e9);
  }

  Measured measure(String label, Target target, double seconds) throws Exception {
    long epoch = System.nanoTime();
    AdmissionLedger ledger = target.decides()
        ? new AdmissionLedger(workload.keys(), capacity, refillPerSecond, epoch) : null;
    // The timeline runs a little past the phase so that a slow drain still shows.
    PhaseRecorder recorder = new PhaseRecorder(epoch, ledger, seconds + 2);
    int unanswered;
    Runnable stopWatching = progress.watch("[" + label + "]", seconds, recorder);
    try {
      unanswered = generator.run(target, keySpace(), seconds, recorder);
    } finally {
      stopWatching.run();
    }
    double elapsed = Math.min(seconds, (System.nanoTime() - epoch) / 1e9);
    return new Measured(recorder.finish(elapsed), unanswered);
  }

  KeySpace keySpace() {
    return new KeySpace("b" + runId + "p" + phases.incrementAndGet() + "-");
  }
}
