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
  public static final List<String> HEADER = List.of("target", "decisions/s", "call p50 ms",
      "p90", "p99", "p99.9", "decision p99 ms", "allowed", "rejected", "errors",
      "over-admitted tokens (keys)", "under-admitted", "CPU cores", "heap MiB", "RSS MiB");
  /** Columns holding numbers, right-aligned. */
  public static final int FIRST_NUMERIC = 1;

  private SummaryTable() {}

  public static List<String> cells(PhaseResult row) {
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
    for (double p : Percentiles.REPORTED) {
      cells.add(ms(Percentiles.millis(m.callLatencyMicros(), p)));
    }
    cells.add(ms(Percentiles.millis(m.decisionLatencyMicros(), 99)));
    cells.add(String.format(Locale.ROOT, "%,d", m.allowed()));
    cells.add(String.format(Locale.ROOT, "%,d", m.rejected()));
    cells.add(errors(m));
    AdmissionLedger.Summary admission = m.admission();
    cells.add(admission == null ? "n/a" : String.format(Locale.ROOT, "%,d (%,d)",
        admission.overAdmittedTokens(), admission.keysOver()));
    cells.add(admission == null ? "n/a"
        : String.format(Locale.ROOT, "%,d", admission.underAdmittedDecisions()));
    ResourceUsage usage = row.resources();
    cells.add(usage == null || usage.cpuCores() < 0 ? "n/a"
        : String.format(Locale.ROOT, "%.2f", usage.cpuCores()));
    cells.add(mib(usage == null ? -1 : usage.heapUsedBytes()));
    cells.add(mib(usage == null ? -1 : usage.rssBytes()));
    return cells;
  }

  static String errors(PhaseMeasurement m) {
    if (m.errors() == 0) {
      return "0";
    }
    return String.format(Locale.ROOT, "%,d ", m.errors()) + m.errorsByCode().entrySet().stream()
        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ", "(", ")"));
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
    out.append(headline(info)).append("\n\n");
    out.append("| ").append(String.join(" | ", HEADER)).append(" |\n|");
    for (int i = 0; i < HEADER.size(); i++) {
      out.append(i < FIRST_NUMERIC ? "---|" : "---:|");
    }
    out.append('\n');
    for (PhaseResult row : rows) {
      out.append("| ").append(cells(row).stream().map(c -> c.replace("|", "\\|"))
          .collect(Collectors.joining(" | "))).append(" |\n");
    }
    return out.toString();
  }

  /** One line saying what ran where. */
  public static String headline(RunInfo info) {
    return String.format(Locale.ROOT, "%s, %d cores, Java %s, %s; %s; C = %d, R = %s/s; "
            + "warm-up %.0f s + %.0f s per target, %.0f s measured per target",
        info.date(), info.cores(), info.java(), info.target(), info.workload(), info.capacity(),
        SvgChart.number(info.refillPerSecond()), info.warmupSeconds(), info.modeWarmupSeconds(),
        info.seconds())
        + (info.settings().isEmpty() ? "" : "; settings " + info.settings());
  }
}
