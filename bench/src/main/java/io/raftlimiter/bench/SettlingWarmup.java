package io.raftlimiter.bench;

import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.measure.SettleRule;
import io.raftlimiter.bench.measure.WarmupCurve;
import io.raftlimiter.bench.report.Warmup;
import io.raftlimiter.bench.workload.KeySpace;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Warms a cluster up until its throughput settles ({@link SettleRule}): rounds of one window per
 * target, each target on key names of its own that it keeps from round to round (so that a round
 * does not pay again for creating buckets the previous one made). Every target takes part because
 * each mode and client runs code of its own, in the nodes and in the load generator.
 */
final class SettlingWarmup {
  /** A target and the label its progress lines carry. */
  record Labelled(String label, Target target) {}

  private final PhaseRunner runner;
  private final SettleRule rule;
  private final PrintStream log;

  private final WarmupCurve curve;
  private final long originNanos;

  /**
   * @param curve where each window's rate is recorded, timed from {@code originNanos} (when the
   *     cluster's start began)
   */
  SettlingWarmup(PhaseRunner runner, SettleRule rule, PrintStream log, WarmupCurve curve,
      long originNanos) {
    this.runner = runner;
    this.rule = rule;
    this.log = log;
    this.curve = curve;
    this.originNanos = originNanos;
  }

  Warmup run(String cluster, List<Labelled> targets) throws Exception {
    if (rule.maxSeconds() <= 0 || targets.isEmpty()) {
      return new Warmup(cluster, 0, Warmup.Outcome.NOT_SETTLED);
    }
    List<KeySpace> spaces = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      spaces.add(runner.keySpace());
    }
    long start = System.nanoTime();
    double[] previous = null;
    for (int round = 1; ; round++) {
      double[] rates = new double[targets.size()];
      for (int i = 0; i < rates.length; i++) {
        Labelled t = targets.get(i);
        rates[i] = runner.window(t.label() + " warm-up " + round, t.target(), spaces.get(i),
            rule.windowSeconds());
        curve.add(t.label(), (System.nanoTime() - originNanos) / 1e9, rates[i]);
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      SettleRule.Verdict verdict = rule.judge(elapsed, previous, rates);
      if (verdict != SettleRule.Verdict.GO_ON) {
        boolean settled = verdict == SettleRule.Verdict.SETTLED;
        log.printf(Locale.ROOT, "%s: warm-up %s after %.0f s (%d rounds)%n", cluster,
            settled ? "settled" : "stopped without settling", elapsed, round);
        return new Warmup(cluster, elapsed,
            settled ? Warmup.Outcome.SETTLED : Warmup.Outcome.NOT_SETTLED);
      }
      previous = rates;
    }
  }
}
