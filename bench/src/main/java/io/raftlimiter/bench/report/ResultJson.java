package io.raftlimiter.bench.report;

import io.raftlimiter.bench.measure.AdmissionLedger;
import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.ResourceUsage;
import io.raftlimiter.bench.measure.Timeline;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The machine-readable result file: the run's header and every row with its full figures. */
public final class ResultJson {
  private ResultJson() {}

  public static String write(RunInfo info, List<PhaseResult> rows) {
    JsonWriter json = new JsonWriter().beginObject();
    json.name("run").beginObject()
        .field("date", info.date()).field("cores", info.cores()).field("java", info.java())
        .field("command", info.command()).field("target", info.target())
        .field("workload", info.workload()).field("seconds", info.seconds())
        .field("warmupSeconds", info.warmupSeconds())
        .field("modeWarmupSeconds", info.modeWarmupSeconds())
        .field("capacity", info.capacity()).field("refillPerSecond", info.refillPerSecond())
        .field("runs", info.runs());
    json.name("warmups").beginArray();
    for (Warmup warmup : info.warmups()) {
      json.beginObject().field("cluster", warmup.cluster()).field("seconds", warmup.seconds())
          .field("outcome", warmup.outcome().label())
          .field("settled", warmup.outcome() == Warmup.Outcome.SETTLED);
      json.name("reached").beginArray();
      for (Warmup.Reached r : warmup.reached()) {
        json.beginObject().field("target", r.target()).field("seconds", r.seconds()).endObject();
      }
      json.endArray().endObject();
    }
    json.endArray();
    json.name("settings").beginObject();
    for (Map.Entry<String, String> setting : info.settings().entrySet()) {
      json.field(setting.getKey(), setting.getValue());
    }
    json.endObject().endObject();
    json.name("results").beginArray();
    double redis = SummaryTable.redisPerSecond(rows);
    for (PhaseResult row : rows) {
      row(json, row, redis);
    }
    json.endArray();
    return json.endObject().toString();
  }

  private static void row(JsonWriter json, PhaseResult row, double redisPerSecond) {
    json.beginObject().field("name", row.name()).field("system", row.system())
        .field("mode", row.mode()).field("client", row.client()).field("groups", row.groups())
        .field("skipped", row.skipped());
    PhaseMeasurement m = row.measurement();
    if (m != null) {
      json.field("seconds", m.seconds()).field("calls", m.calls())
          .field("decisions", m.decisions()).field("decisionsPerSecond", m.decisionsPerSecond())
          .field("allowed", m.allowed()).field("rejected", m.rejected())
          .field("errors", m.errors()).field("unanswered", row.unanswered())
          .field("timesRedis", Double.isNaN(redisPerSecond) || redisPerSecond <= 0 ? null
              : m.decisionsPerSecond() / redisPerSecond);
      json.name("errorsByCode").beginObject();
      m.errorsByCode().forEach(json::field);
      json.endObject();
      latency(json, "callLatencyMillis", m.callLatencyMicros());
      latency(json, "decisionLatencyMillis", m.decisionLatencyMicros());
      if (row.decidesOnNodes()) {
        json.field("decidedLocallyShare", m.localShare());
        latency(json, "localCallLatencyMillis", m.localCallLatencyMicros());
      }
      AdmissionLedger.Summary a = m.admission();
      if (a != null) {
        json.name("admission").beginObject().field("keysAdmitted", a.keysAdmitted())
            .field("overAdmittedTokens", a.overAdmittedTokens()).field("keysOver", a.keysOver())
            .field("windowOverAdmittedTokens", a.windowOverAdmittedTokens())
            .field("keysWindowOver", a.keysWindowOver())
            .field("underAdmittedDecisions", a.underAdmittedDecisions()).endObject();
      }
      resources(json, "resources", row.resources(), m.decisions());
      resources(json, "loadGenerator", row.generator(), m.decisions());
      if (row.raftEntries() >= 0) {
        json.name("raft").beginObject().field("entries", row.raftEntries())
            .field("entriesPerSecond", row.entriesPerSecond())
            .field("decisionsPerEntry", Double.isNaN(row.decisionsPerEntry()) ? null
                : row.decisionsPerEntry())
            .endObject();
      }
      if (row.kill() != null) {
        json.name("kill").beginObject().field("atSeconds", row.kill().atSeconds())
            .field("node", row.kill().node()).endObject();
      }
      json.name("timeline").beginObject()
          .field("slotMillis", Timeline.SLOT_NANOS / 1_000_000);
      Timeline.Slot[] slots = m.timeline();
      json.name("decisions").inlineArray(Arrays.stream(slots)
          .mapToDouble(Timeline.Slot::decisions).toArray());
      json.name("errors").inlineArray(Arrays.stream(slots)
          .mapToDouble(Timeline.Slot::errors).toArray());
      json.name("maxLatencyMillis").inlineArray(Arrays.stream(slots)
          .mapToDouble(slot -> slot.maxLatencyMicros() / 1000.0).toArray());
      json.endObject();
    }
    json.endObject();
  }

  private static void resources(JsonWriter json, String name, ResourceUsage r, long decisions) {
    if (r == null) {
      return;
    }
    double cpuMicros = r.cpuMicrosPer(decisions);
    json.name(name).beginObject().field("what", r.what())
        .field("cpuCores", r.cpuCores() < 0 ? null : r.cpuCores())
        .field("cpuSeconds", r.cpuNanos() < 0 ? null : r.cpuNanos() / 1e9)
        .field("cpuMicrosPerDecision", Double.isNaN(cpuMicros) ? null : cpuMicros)
        .field("compilerCores", r.compilerCores() < 0 ? null : r.compilerCores())
        .field("contextSwitches", r.contextSwitches() < 0 ? null : r.contextSwitches())
        .field("contextSwitchesPerDecision", Double.isNaN(r.contextSwitchesPer(decisions)) ? null
            : r.contextSwitchesPer(decisions))
        .field("heapUsedBytes", r.heapUsedBytes() < 0 ? null : r.heapUsedBytes())
        .field("rssBytes", r.rssBytes() < 0 ? null : r.rssBytes()).endObject();
  }

  private static void latency(JsonWriter json, String name, Histogram h) {
    json.name(name).beginObject().field("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      json.field("mean", h.getMean() / 1000.0).field("p50", Percentiles.millis(h, 50))
          .field("p90", Percentiles.millis(h, 90)).field("p99", Percentiles.millis(h, 99))
          .field("p99.9", Percentiles.millis(h, 99.9))
          .field("p99.99", Percentiles.millis(h, 99.99)).field("max", h.getMaxValue() / 1000.0);
      json.name("curve").beginArray(); // [percentile, ms]
      for (Percentiles.Point point : Percentiles.curve(h)) {
        json.inlineArray(point.percentile(), point.millis());
      }
      json.endArray();
    }
    json.endObject();
  }
}
