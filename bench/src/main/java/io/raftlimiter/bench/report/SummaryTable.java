package io.raftlimiter.bench.report;

import io.raftlimiter.bench.measure.AdmissionLedger;
import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.ResourceUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The summary table, as cells, shared by the Markdown and the HTML output. */
public final class SummaryTable {
  public static final List<String> HEADER = List.of("target", "decisions/s", "x Redis",
      "call mean ms", "call p50 ms", "p90", "p99", "p99.9", "decision p99 ms",
      "decided locally", "local call mean ms", "local call p99 ms", "allowed", "rejected", "errors",
      "over-admitted tokens (keys)", "over in a window (keys)", "under-admitted", "CPU cores",
      "of which JIT cores", "CPU µs/decision", "decisions/entry", "entries/s",
      "ctx switches/decision", "load-gen CPU cores", "heap MiB", "RSS MiB");
  /** Columns holding numbers, right-aligned. */
  public static final int FIRST_NUMERIC = 1;

  private SummaryTable() {}

  /**
   * The row's cells; {@code redisPerSecond} is the plain Redis row's decisions/s (see
   * {@link #redisPerSecond}), NaN for none.
   */
  public static List<String> cells(PhaseResult row, double redisPerSecond) {
    List<String> cells = new ArrayList<>();
    cells.add(row.name());
    if (!row.ran()) {
      cells.add("skipped: " + row.skipped());
      while (cells.size() < HEADER.size()) {
        cells.add("");
      }
      return cells;
    }
    PhaseMeasurement m = row.measurement();
    cells.add(String.format(Locale.ROOT, "%,.0f", m.decisionsPerSecond()));
    cells.add(ratio(m.decisionsPerSecond(), redisPerSecond));
    cells.add(ms(m.callLatencyMicros().getTotalCount() == 0 ? Double.NaN
        : m.callLatencyMicros().getMean() / 1000.0));
    for (double p : Percentiles.REPORTED) {
      cells.add(ms(Percentiles.millis(m.callLatencyMicros(), p)));
    }
    cells.add(ms(Percentiles.millis(m.decisionLatencyMicros(), 99)));
    boolean anyLocal = m.localCallLatencyMicros().getTotalCount() > 0;
    cells.add(row.decidesOnNodes()
        ? String.format(Locale.ROOT, "%.1f%%", 100 * m.localShare()) : "n/a");
    cells.add(ms(anyLocal ? m.localCallLatencyMicros().getMean() / 1000.0 : Double.NaN));
    cells.add(ms(anyLocal ? Percentiles.millis(m.localCallLatencyMicros(), 99) : Double.NaN));
    cells.add(String.format(Locale.ROOT, "%,d", m.allowed()));
    cells.add(String.format(Locale.ROOT, "%,d", m.rejected()));
    cells.add(errors(m));
    AdmissionLedger.Summary admission = m.admission();
    cells.add(admission == null ? "n/a" : String.format(Locale.ROOT, "%,d (%,d)",
        admission.overAdmittedTokens(), admission.keysOver()));
    cells.add(admission == null ? "n/a" : String.format(Locale.ROOT, "%,d (%,d)",
        admission.windowOverAdmittedTokens(), admission.keysWindowOver()));
    cells.add(admission == null ? "n/a"
        : String.format(Locale.ROOT, "%,d", admission.underAdmittedDecisions()));
    ResourceUsage usage = row.resources();
    cells.add(cores(usage));
    cells.add(cores(usage == null ? -1 : usage.compilerCores()));
    double cpuMicros = row.cpuMicrosPerDecision();
    cells.add(Double.isNaN(cpuMicros) ? "n/a" : String.format(Locale.ROOT, "%.1f", cpuMicros));
    cells.add(decimal(row.decisionsPerEntry(), "%.1f"));
    cells.add(decimal(row.entriesPerSecond(), "%,.0f"));
    cells.add(decimal(row.contextSwitchesPerDecision(), "%.2f"));
    cells.add(cores(row.generator()));
    cells.add(mib(usage == null ? -1 : usage.heapUsedBytes()));
    cells.add(mib(usage == null ? -1 : usage.rssBytes()));
    return cells;
  }

  /** Decisions/s of the plain Redis row (no persistence), or NaN when there is none. */
  public static double redisPerSecond(List<PhaseResult> rows) {
    return rows.stream().filter(PhaseResult::isRedisBaseline).findFirst()
        .map(r -> r.measurement().decisionsPerSecond()).orElse(Double.NaN);
  }

  /** {@code perSecond} as a multiple of Redis's, blank without a Redis row. */
  static String ratio(double perSecond, double redisPerSecond) {
    if (Double.isNaN(redisPerSecond) || redisPerSecond <= 0) {
      return "";
    }
    double ratio = perSecond / redisPerSecond;
    return String.format(Locale.ROOT, ratio < 0.1 ? "%.3f" : "%.2f", ratio);
  }

  private static String cores(ResourceUsage usage) {
    return cores(usage == null ? -1 : usage.cpuCores());
  }

  /** Cores to two places, "n/a" when unknown (negative). */
  private static String cores(double cores) {
    return cores < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", cores);
  }

  static String errors(PhaseMeasurement m) {
    if (m.errors() == 0) {
      return "0";
    }
    return String.format(Locale.ROOT, "%,d ", m.errors()) + m.errorsByCode().entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", "(", ")"));
  }

  private static String decimal(double value, String format) {
    return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, format, value);
  }

  private static String ms(double millis) {
    return Double.isNaN(millis) ? "n/a" : String.format(Locale.ROOT, "%.2f", millis);
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", bytes / 1048576.0);
  }

  /** The table in Markdown, for docs/BENCHMARKS.md, with the run's header line above it. */
  public static String markdown(RunInfo info, List<PhaseResult> rows) {
    StringBuilder out = new StringBuilder();
    out.append(headline(info)).append("\n\n").append(warmups(info)).append("\n\n");
    out.append("| ").append(String.join(" | ", HEADER)).append(" |\n|");
    for (int i = 0; i < HEADER.size(); i++) {
      out.append(i < FIRST_NUMERIC ? "---|" : "---:|");
    }
    out.append('\n');
    double redis = redisPerSecond(rows);
    for (PhaseResult row : rows) {
      out.append("| ").append(cells(row, redis).stream().map(c -> c.replace("|", "\\|"))
          .collect(Collectors.joining(" | "))).append(" |\n");
    }
    return out.toString();
  }

  /** One line saying what ran where. */
  public static String headline(RunInfo info) {
    return String.format(Locale.ROOT, "%s, %d cores, Java %s, %s; %s; C = %d, R = %s/s; "
            + "warm-up per cluster (up to %.0f s) + %.0f s per target, %.0f s measured per target"
            + "%s",
        info.date(), info.cores(), info.java(), info.target(), info.workload(), info.capacity(),
        SvgChart.number(info.refillPerSecond()), info.warmupSeconds(), info.modeWarmupSeconds(),
        info.seconds(), info.runs() > 1 ? ", median of " + info.runs() + " runs" : "")
        + (info.settings().isEmpty() ? "" : "; settings " + info.settings());
  }

  /**
   * One line: how long each cluster's warm-up took, whether throughput settled, and when each
   * target first came within 90% of the rate it was then measured at.
   */
  public static String warmups(RunInfo info) {
    if (info.warmups().isEmpty()) {
      return "Warm-up: none.";
    }
    return info.warmups().stream().map(w -> String.format(Locale.ROOT, "%s %.0f s (%s%s)",
        w.cluster(), w.seconds(), w.outcome().label(), reached(w)))
        .collect(Collectors.joining("; ", "Warm-up: ", "."));
  }

  private static String reached(Warmup warmup) {
    if (warmup.reached().isEmpty()) {
      return "";
    }
    return warmup.reached().stream().map(r -> r.target() + " "
        + (Double.isNaN(r.seconds()) ? "not within the warm-up"
            : String.format(Locale.ROOT, "%.0f s", r.seconds())))
        .collect(Collectors.joining(", ", String.format(Locale.ROOT,
            "; %.0f%% of the measured rate, from the start of cluster up: ",
            Warmup.REACHED_FRACTION * 100), ""));
  }
}
