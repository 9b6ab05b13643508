package io.raftlimiter.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.PhaseRecorder;
import io.raftlimiter.bench.measure.ResourceUsage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryTableTest {
  @Test
  void ratioIsAgainstThePlainRedisRow() {
    PhaseResult strong = row("STRONG plain", "raftlimiter", "STRONG", 5_000);
    PhaseResult aof = row("redis aof-everysec", "redis", "AOF_EVERYSEC", 20_000);
    PhaseResult redis = row("redis", "redis", "NONE", 40_000);
    List<PhaseResult> rows = List.of(strong, aof, redis);
    double baseline = SummaryTable.redisPerSecond(rows);
    assertEquals(40_000, baseline, 1e-6);
    assertEquals("0.13", cell(strong, baseline, "x Redis")); // 0.125
    assertEquals("0.50", cell(aof, baseline, "x Redis"));
    assertEquals("1.00", cell(redis, baseline, "x Redis"));
    assertEquals("0.042", SummaryTable.ratio(1_000, 24_000));
  }

  @Test
  void ratioIsBlankWithoutARedisRowThatRan() {
    PhaseResult strong = row("STRONG java", "raftlimiter", "STRONG", 5_000);
    List<PhaseResult> rows = List.of(strong,
        PhaseResult.skipped("redis", "redis", "NONE", "not installed"));
    double baseline = SummaryTable.redisPerSecond(rows);
    assertTrue(Double.isNaN(baseline));
    assertEquals("", cell(strong, baseline, "x Redis"));
  }

  @Test
  void cpuPerDecisionAndTheLoadGeneratorAreColumns() {
    PhaseResult strong = row("STRONG plain", "raftlimiter", "STRONG", 5_000);
    assertEquals("40.0", cell(strong, Double.NaN, "CPU µs/decision")); // 2 CPU-s / 50,000
    assertEquals("0.20", cell(strong, Double.NaN, "CPU cores"));
    assertEquals("0.05", cell(strong, Double.NaN, "load-gen CPU cores"));
    String markdown = SummaryTable.markdown(info(), List.of(strong));
    assertTrue(markdown.contains("| CPU µs/decision |"), markdown);
    assertTrue(markdown.contains("Warm-up: 1 group 35 s (settled)."), markdown);
    assertTrue(markdown.contains("median of 3 runs"), markdown);
    assertTrue(ResultJson.write(info(), List.of(strong)).contains("\"cpuMicrosPerDecision\": 40"));
  }

  @Test
  void entriesAndContextSwitchesPerDecisionAreColumns() {
    PhaseRecorder recorder = new PhaseRecorder(0, null, 10);
    recorder.answered(0, 1_000_000, 50_000, 25_000, false);
    PhaseMeasurement m = recorder.finish(10);
    PhaseResult strong = new PhaseResult("STRONG plain", "raftlimiter", "STRONG", "plain", 1, m,
        new ResourceUsage(2_000_000_000L, 10, -1, -1, "nodes", 125_000, 300_000_000L), null, null,
        0, null, 1_250);
    assertEquals("40.0", cell(strong, Double.NaN, "decisions/entry")); // 50,000 / 1,250
    assertEquals("125", cell(strong, Double.NaN, "entries/s"));
    assertEquals("2.50", cell(strong, Double.NaN, "ctx switches/decision"));
    assertEquals("0.03", cell(strong, Double.NaN, "of which JIT cores")); // 0.3 CPU-s / 10 s
    String json = ResultJson.write(info(), List.of(strong));
    assertTrue(json.contains("\"compilerCores\": 0.03"), json);
    assertTrue(json.contains("\"decisionsPerEntry\": 40"), json);
    assertTrue(json.contains("\"contextSwitchesPerDecision\": 2.5"), json);
    PhaseResult redis = row("redis", "redis", "NONE", 40_000);
    assertEquals("n/a", cell(redis, Double.NaN, "decisions/entry"));
    assertEquals("n/a", cell(redis, Double.NaN, "ctx switches/decision"));
    assertEquals("n/a", cell(redis, Double.NaN, "of which JIT cores"));
  }

  private static String cell(PhaseResult row, double redis, String column) {
    return SummaryTable.cells(row, redis).get(SummaryTable.HEADER.indexOf(column));
  }

  /** A row that decided {@code perSecond} × 10 s, its nodes using 2 CPU-seconds. */
  private static PhaseResult row(String name, String system, String mode, long perSecond) {
    PhaseRecorder recorder = new PhaseRecorder(0, null, 10);
    for (int i = 0; i < 10; i++) {
      recorder.answered(0, 1_000_000, (int) perSecond, (int) perSecond / 2, false);
    }
    PhaseMeasurement m = recorder.finish(10);
    return new PhaseResult(name, system, mode, null, 1, m,
        new ResourceUsage(2_000_000_000L, 10, -1, -1, "nodes"),
        new ResourceUsage(500_000_000L, 10, -1, -1, "generator"), null, 0, null, -1);
  }

  @Test
  void theWarmUpSaysWhenEachTargetReachedNinetyPercentOfItsMeasuredRate() {
    RunInfo info = new RunInfo("2026-12-06", 2, "17", "scripts/bench", "3 node processes",
        "zipf", 10, 150, 5, 100, 50, Map.of(), 1,
        List.of(new Warmup("1 group", 135, Warmup.Outcome.NOT_SETTLED, List.of(
            new Warmup.Reached("STRONG plain", 84.6), new Warmup.Reached("ping", Double.NaN)))));
    String markdown = SummaryTable.markdown(info, List.of());
    assertTrue(markdown.contains("Warm-up: 1 group 135 s (not settled; 90% of the measured rate, "
        + "from the start of cluster up: STRONG plain 85 s, ping not within the warm-up)."),
        markdown);
    String json = ResultJson.write(info, List.of());
    assertTrue(json.contains("\"target\": \"STRONG plain\""), json);
  }

  private static RunInfo info() {
    return new RunInfo("2026-11-29", 2, "17", "scripts/bench", "3 node processes", "zipf", 10,
        180, 5, 100, 50, Map.of(), 3,
        List.of(new Warmup("1 group", 35, Warmup.Outcome.SETTLED)));
  }
}
