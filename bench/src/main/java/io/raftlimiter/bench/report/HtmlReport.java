package io.raftlimiter.bench.report;

import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.Timeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One self-contained HTML page: the summary table and inline SVG charts (latency percentiles,
 * throughput, over-/under-admission, the timeline). No scripts, no fonts, no network.
 */
public final class HtmlReport {
  private static final double MAX_NINES = 5;

  private HtmlReport() {}

  public static String render(RunInfo info, List<PhaseResult> rows) {
    List<PhaseResult> ran = rows.stream().filter(PhaseResult::ran).toList();
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>")
        .append("<title>raftlimiter benchmark</title><style>")
        .append("body{font-family:sans-serif;margin:2em;max-width:1200px}")
        .append("table{border-collapse:collapse;font-size:13px}")
        .append("td,th{border:1px solid #ccc;padding:3px 6px}td.n{text-align:right}")
        .append("th{background:#f3f3f3}section{margin-top:2em}p.note{color:#444;max-width:60em}")
        .append("</style></head><body>\n");
    html.append("<h1>raftlimiter benchmark</h1>\n<p>")
        .append(SvgChart.escape(SummaryTable.headline(info))).append("</p>\n<p>")
        .append(SvgChart.escape(SummaryTable.warmups(info))).append("</p>\n<p><code>")
        .append(SvgChart.escape(info.command())).append("</code></p>\n");
    html.append("<section id='summary'><h2>Summary</h2>").append(table(rows)).append("</section>\n");
    html.append("<section id='latency'><h2>Latency distribution</h2>")
        .append(latencyChart(ran, false)).append(latencyChart(ran, true))
        .append("<p class='note'>Latency from each call's intended start (its scheduled time in "
            + "an open loop), so a stall counts against every call it delayed.</p></section>\n");
    html.append("<section id='throughput'><h2>Throughput</h2>")
        .append(SvgChart.bars("Decisions per second", "decisions/s", names(ran),
            ran.stream().mapToDouble(r -> r.measurement().decisionsPerSecond()).toArray()))
        .append("</section>\n");
    html.append("<section id='admission'><h2>Over- and under-admission</h2>")
        .append(SvgChart.bars("Over-admitted tokens (beyond C + R·t per key)", "tokens",
            names(ran), ran.stream().mapToDouble(r -> r.measurement().admission() == null
                ? Double.NaN : r.measurement().admission().overAdmittedTokens()).toArray()))
        .append(SvgChart.bars("Under-admitted decisions (lower bound)", "rejections", names(ran),
            ran.stream().mapToDouble(r -> r.measurement().admission() == null
                ? Double.NaN : r.measurement().admission().underAdmittedDecisions()).toArray()))
        .append("<p class='note'><b>Over-admitted</b>: per key, tokens allowed beyond "
            + "floor(C + R·t), t from the send of the key's first allowed request to the answer "
            + "of its last; certain, whatever the server's timing. <b>Under-admitted</b>: "
            + "rejections that an ideal bucket would have allowed even when charged for every "
            + "admission (and every failed call) at its answer, read at the rejection's send, "
            + "and with all requests then in flight on the key counted as allowed: a lower "
            + "bound on the limiter's needless rejections.</p></section>\n");
    html.append("<section id='timeline'><h2>Timeline</h2>").append(timeline(ran))
        .append("</section>\n</body></html>\n");
    return html.toString();
  }

  private static double max(double[] values) {
    double max = 0;
    for (double v : values) {
      max = Double.isFinite(v) ? Math.max(max, v) : max;
    }
    return max;
  }

  private static List<String> names(List<PhaseResult> rows) {
    return rows.stream().map(PhaseResult::name).toList();
  }

  private static String table(List<PhaseResult> rows) {
    StringBuilder t = new StringBuilder("<table><tr>");
    for (String h : SummaryTable.HEADER) {
      t.append("<th>").append(SvgChart.escape(h)).append("</th>");
    }
    t.append("</tr>");
    double redis = SummaryTable.redisPerSecond(rows);
    for (PhaseResult row : rows) {
      t.append("<tr>");
      List<String> cells = SummaryTable.cells(row, redis);
      for (int i = 0; i < cells.size(); i++) {
        t.append(i >= SummaryTable.FIRST_NUMERIC ? "<td class='n'>" : "<td>")
            .append(SvgChart.escape(cells.get(i))).append("</td>");
      }
      t.append("</tr>");
    }
    return t.append("</table>").toString();
  }

  private static String latencyChart(List<PhaseResult> rows, boolean perDecision) {
    List<SvgChart.Series> series = new ArrayList<>();
    double min = Double.MAX_VALUE;
    double max = 0;
    for (PhaseResult row : rows) {
      PhaseMeasurement m = row.measurement();
      List<Percentiles.Point> curve =
          Percentiles.curve(perDecision ? m.decisionLatencyMicros() : m.callLatencyMicros());
      if (curve.isEmpty()) {
        continue;
      }
      double[] x = new double[curve.size()];
      double[] y = new double[curve.size()];
      for (int i = 0; i < x.length; i++) {
        x[i] = Percentiles.nines(curve.get(i).percentile(), MAX_NINES);
        y[i] = Math.max(0.001, curve.get(i).millis());
        min = Math.min(min, y[i]);
        max = Math.max(max, y[i]);
      }
      series.add(new SvgChart.Series(row.name(), x, y));
    }
    if (series.isEmpty()) {
      return "<p>No latencies measured.</p>";
    }
    List<SvgChart.Tick> ticks = new ArrayList<>();
    String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
    for (int i = 0; i <= MAX_NINES; i++) {
      ticks.add(new SvgChart.Tick(i, labels[i]));
    }
    SvgChart.Axis x = new SvgChart.Axis("percentile", 0, MAX_NINES, false, ticks);
    SvgChart.Axis y = SvgChart.Axis.log("ms (log scale)", min, max);
    return SvgChart.lines(perDecision ? "Latency per decision" : "Latency per call", x, y, series,
        List.of());
  }

  private static String timeline(List<PhaseResult> rows) {
    List<SvgChart.Series> rate = new ArrayList<>();
    List<SvgChart.Series> errors = new ArrayList<>();
    List<SvgChart.Series> slowest = new ArrayList<>();
    List<SvgChart.Marker> markers = new ArrayList<>();
    double seconds = 0;
    double maxRate = 0;
    double maxErrors = 0;
    double maxLatency = 0.001;
    for (PhaseResult row : rows) {
      Timeline.Slot[] slots = row.measurement().timeline();
      double[] x = new double[slots.length];
      double[] r = new double[slots.length];
      double[] e = new double[slots.length];
      double[] l = new double[slots.length];
      double perSecond = 1e9 / Timeline.SLOT_NANOS;
      for (int i = 0; i < slots.length; i++) {
        x[i] = slots[i].startSeconds();
        r[i] = slots[i].decisions() * perSecond;
        e[i] = slots[i].errors() * perSecond;
        l[i] = slots[i].maxLatencyMicros() == 0 ? Double.NaN : slots[i].maxLatencyMicros() / 1000.0;
        maxRate = Math.max(maxRate, r[i]);
        maxErrors = Math.max(maxErrors, e[i]);
        maxLatency = Double.isNaN(l[i]) ? maxLatency : Math.max(maxLatency, l[i]);
      }
      seconds = Math.max(seconds, x.length * Timeline.SLOT_NANOS / 1e9);
      rate.add(new SvgChart.Series(row.name(), x, r));
      errors.add(new SvgChart.Series(row.name(), x, e));
      slowest.add(new SvgChart.Series(row.name(), x, l));
      if (row.kill() != null) {
        markers.add(new SvgChart.Marker(row.kill().atSeconds(),
            row.kill().node() + " stopped (" + row.name() + ")"));
      }
    }
    if (rate.isEmpty()) {
      return "<p>Nothing ran.</p>";
    }
    SvgChart.Axis x = SvgChart.Axis.linear("seconds into the measured phase", seconds);
    StringBuilder kills = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      PhaseResult row = rows.get(i);
      if (row.kill() != null) {
        // On its own scale: next to a faster system the gap would be lost in the axis.
        SvgChart.Series r = rate.get(i);
        SvgChart.Series e = errors.get(i);
        double top = Math.max(max(r.y()), max(e.y()));
        kills.append(SvgChart.lines(row.name() + ": " + row.kill().node() + " stopped", x,
            SvgChart.Axis.linear("per second", top),
            List.of(new SvgChart.Series("decisions/s", r.x(), r.y()),
                new SvgChart.Series("errors/s", e.x(), e.y())),
            List.of(new SvgChart.Marker(row.kill().atSeconds(), row.kill().node() + " stopped"))));
      }
    }
    String note = String.format(Locale.ROOT, "<p class='note'>Per %d ms, by the time the answer "
        + "came. A stopped node shows as a dip in decisions, errors, and a latency spike.</p>",
        Timeline.SLOT_NANOS / 1_000_000);
    return SvgChart.lines("Decisions per second", x, SvgChart.Axis.linear("decisions/s",
            maxRate), rate, markers)
        + SvgChart.lines("Errors per second", x, SvgChart.Axis.linear("errors/s", maxErrors),
            errors, markers)
        + SvgChart.lines("Slowest call", x, SvgChart.Axis.log("ms (log scale)", 0.01, maxLatency),
            slowest, markers)
        + kills + note;
  }
}
