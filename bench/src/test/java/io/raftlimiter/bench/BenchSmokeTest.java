package io.raftlimiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole harness end to end in a few seconds, so it cannot rot: an embedded 3-node cluster,
 * a small key space, every mode in {@link #MODES}, the Redis baseline when redis-server is
 * installed (skipped rows otherwise), and the three output files.
 */
class BenchSmokeTest {
  /** Modes the smoke run measures; each must decide without errors. */
  static final List<String> MODES = List.of("STRONG", "EVENTUAL", "LEASED");

  @TempDir
  Path out;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void runsEveryModeAndWritesTheReports() throws Exception {
    List<String> args = new ArrayList<>(List.of("--modes", String.join(",", MODES),
        "--seconds", "2", "--warmup", "1", "--mode-warmup", "1", "--keys", "2000",
        "--distribution", "zipf:1.1", "--concurrency", "16", "--seed", "1",
        "--redis", "both", "--out", out.toString()));
    int exit = Bench.commandLine().execute(args.toArray(String[]::new));
    assertEquals(0, exit);

    String json = Files.readString(out.resolve("result.json"));
    for (String mode : MODES) {
      String row = row(json, mode);
      assertTrue(number(row, "decisions") > 0, mode + " decided nothing: " + row);
      assertEquals(0, number(row, "errors"), mode + " had errors: " + row);
      if (!mode.equals("EVENTUAL")) { // EVENTUAL may over-admit, within its bound
        assertEquals(0, number(row, "overAdmittedTokens"), mode + " over-admitted: " + row);
      }
      assertTrue(row.contains("\"p99\""), row);
    }
    assertTrue(json.contains("\"name\": \"redis\""), json);
    assertTrue(json.contains("\"name\": \"redis aof-everysec\""), json);

    String html = Files.readString(out.resolve("report.html"));
    for (String section : List.of("id='summary'", "id='latency'", "id='throughput'",
        "id='admission'", "id='timeline'", "<svg")) {
      assertTrue(html.contains(section), "report.html lacks " + section);
    }
    // Self-contained: no script, and no address but the SVG namespace.
    assertFalse(html.contains("<script"), "report.html has a script");
    assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"),
        "report.html refers to the network");
    assertTrue(Files.readString(out.resolve("summary.md")).contains("| STRONG |"));
  }

  @Test
  void badFlagsAreUsageErrors() {
    for (String[] args : List.of(new String[] {"--keys", "0"},
        new String[] {"--modes", "FAST"}, new String[] {"--distribution", "zipf:-1"},
        new String[] {"--redis", "maybe"}, new String[] {"--endpoints", "nohost", "--redis",
            "none"}, new String[] {"--kill-at", "20", "--seconds", "10"},
        new String[] {"--set", "no.such.setting=1"}, new String[] {"--seconds", "x"})) {
      CommandLine cli = Bench.commandLine();
      cli.setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));
      assertEquals(2, cli.execute(args), String.join(" ", args));
    }
  }

  /** The JSON object of the result row named {@code name} (rows hold no nested rows). */
  private static String row(String json, String name) {
    int start = json.indexOf("\"name\": \"" + name + "\"");
    assertTrue(start >= 0, "no row " + name);
    int end = json.indexOf("\"timeline\"", start);
    return json.substring(start, end);
  }

  private static long number(String row, String field) {
    Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\": (\\d+)").matcher(row);
    assertTrue(m.find(), "no " + field + " in " + row);
    return Long.parseLong(m.group(1));
  }
}
