package io.raftlimiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.raftlimiter.bench.redis.RedisBaseline;
import io.raftlimiter.bench.redis.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The whole harness end to end in a few seconds, so it cannot rot: an embedded 3-node cluster,
 * a small key space, every mode in {@link #MODES} through both client kinds, every Redis row
 * when redis-server is installed (skipped rows otherwise), and the three output files; then once
 * with node processes started by {@code scripts/rlctl}, when the CLI jar is built.
 */
@Tag("cluster")
class BenchSmokeTest {
  /** Modes the smoke run measures; each must decide without errors. */
  static final List<String> MODES = List.of("STRONG", "EVENTUAL", "LEASED");
  static final List<String> CLIENTS = List.of("plain", "java");

  @TempDir
  Path out;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void runsEveryModeAndWritesTheReports() throws Exception {
    List<String> args = new ArrayList<>(List.of("--cluster", "embedded",
        "--modes", String.join(",", MODES),
        "--seconds", "2", "--warmup", "1", "--mode-warmup", "1", "--keys", "2000",
        "--distribution", "zipf:1.1", "--concurrency", "16", "--seed", "1",
        "--redis", "all", "--out", out.toString()));
    int exit = Bench.commandLine().execute(args.toArray(String[]::new));
    assertEquals(0, exit);

    String json = Files.readString(out.resolve("result.json"));
    for (String mode : MODES.stream().flatMap(m -> CLIENTS.stream().map(c -> m + " " + c))
        .toList()) {
      String row = row(json, mode);
      assertTrue(number(row, "decisions") > 0, mode + " decided nothing: " + row);
      assertEquals(0, number(row, "errors"), mode + " had errors: " + row);
      if (!mode.startsWith("EVENTUAL")) { // EVENTUAL may over-admit, within its bound
        assertEquals(0, number(row, "overAdmittedTokens"), mode + " over-admitted: " + row);
      }
      assertTrue(row.contains("\"p99\""), row);
    }
    boolean redisInstalled = RedisServer.available("redis-server");
    for (RedisBaseline baseline : RedisBaseline.values()) {
      assertTrue(json.contains("\"name\": \"" + baseline.rowName() + "\""), json);
      if (redisInstalled) {
        String row = row(json, baseline.rowName());
        assertTrue(number(row, "decisions") > 0, baseline + " decided nothing: " + row);
        assertEquals(0, number(row, "errors"), baseline + " had errors: " + row);
      }
    }

    String html = Files.readString(out.resolve("report.html"));
    for (String section : List.of("id='summary'", "id='latency'", "id='throughput'",
        "id='admission'", "id='timeline'", "<svg")) {
      assertTrue(html.contains(section), "report.html lacks " + section);
    }
    // Self-contained: no script, and no address but the SVG namespace.
    assertFalse(html.contains("<script"), "report.html has a script");
    assertFalse(html.replace("http://www.w3.org/2000/svg", "").contains("http"),
        "report.html refers to the network");
    assertTrue(Files.readString(out.resolve("summary.md")).contains("| STRONG plain |"));
  }

  /**
   * Node processes as users start them: {@code scripts/rlctl cluster up} in a scratch directory,
   * the load from this JVM, CPU per decision read from the nodes' {@code /proc/PID/stat}, and
   * everything stopped and deleted at the end. Needs {@code cli/target/rlctl.jar}, which the
   * reactor builds before this module (bench depends on cli in test scope); skipped without it
   * rather than building it from inside a test.
   */
  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void runsNodeProcessesStartedWithRlctl() throws Exception {
    Path root = Path.of("").toAbsolutePath().getParent();
    Path rlctl = root.resolve("scripts/rlctl");
    assumeTrue(Files.isRegularFile(root.resolve("cli/target/rlctl.jar")),
        "cli/target/rlctl.jar not built: run mvn package (or verify) from the root");
    assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs Linux's /proc");
    int exit = Bench.commandLine().execute("--cluster", "process", "--rlctl", rlctl.toString(),
        "--node-jvm-opts", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1",
        "--compare-set", "", "--compare-set", "batch.linger-round-percent=200",
        "--modes", "STRONG", "--clients", "plain,java", "--redis", "none", "--seconds", "2",
        "--warmup", "4", "--warmup-min", "2", "--warmup-window", "1", "--mode-warmup", "0",
        "--keys", "2000", "--concurrency", "16", "--seed", "1", "--raft-floor", "8",
        "--out", out.toString());
    assertEquals(0, exit);

    String json = Files.readString(out.resolve("result.json"));
    // One cluster per setting set, its rows named by the set's place (the JVM option sets are
    // named by their collectors the same way: BenchPlanTest).
    for (String name : List.of("STRONG plain set1", "STRONG java set1",
        "STRONG plain set2", "STRONG java set2")) {
      String row = row(json, name);
      assertTrue(number(row, "decisions") > 0, name + " decided nothing: " + row);
      assertEquals(0, number(row, "errors"), name + " had errors: " + row);
      assertEquals(0, number(row, "overAdmittedTokens"), name + " over-admitted: " + row);
      assertTrue(row.contains("\"loadGenerator\""), row);
      Matcher cpu = Pattern.compile("\"cpuMicrosPerDecision\": ([0-9.]+)").matcher(row);
      assertTrue(cpu.find() && Double.parseDouble(cpu.group(1)) > 0, "no node CPU: " + row);
    }
    // The floor of a Raft entry: its own node processes, one entry per call.
    String floor = row(json, "raft floor");
    assertTrue(number(floor, "decisions") > 0, "the raft floor committed nothing: " + floor);
    assertEquals(0, number(floor, "errors"), "the raft floor had errors: " + floor);
    assertTrue(floor.contains("\"decisionsPerEntry\": 1.0"), floor);
    assertTrue(json.contains("\"warmups\""), json);
    String summary = Files.readString(out.resolve("summary.md"));
    assertTrue(summary.contains("Warm-up: 1 group "), summary);
    assertTrue(summary.contains("90% of the measured rate, from the start of cluster up: "
        + "STRONG plain set1 "), summary);
    assertTrue(summary.contains("setting sets set1 {}, set2 {batch.linger-round-percent=200}"),
        summary);

    Matcher pids = Pattern.compile("pids \\[([0-9, ]+)\\]").matcher(json);
    Set<String> clusters = new HashSet<>();
    while (pids.find()) {
      clusters.add(pids.group(1));
    }
    assertEquals(3, clusters.size(), "not two clusters' and the floor's node pids in " + json);
    for (String cluster : clusters) {
      assertNoneOutlivedTheBench(cluster);
    }
  }

  private static void assertNoneOutlivedTheBench(String pids) throws InterruptedException {
    // An exited node stays a zombie until its parent (init here) reaps it, which the JDK
    // counts as alive: a leak is a node still there after that.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    for (String pid : pids.split(",\\s*")) {
      Optional<ProcessHandle> node = ProcessHandle.of(Long.parseLong(pid));
      while (node.isPresent() && node.get().isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertFalse(node.isPresent() && node.get().isAlive(),
          "node process " + pid + " outlived the bench");
    }
  }

  @Test
  void badFlagsAreUsageErrors() {
    for (String[] args : List.of(new String[] {"--keys", "0"},
        new String[] {"--modes", "FAST"}, new String[] {"--distribution", "zipf:-1"},
        new String[] {"--redis", "maybe"}, new String[] {"--endpoints", "nohost", "--redis",
            "none"}, new String[] {"--kill-at", "20", "--seconds", "10"},
        new String[] {"--set", "no.such.setting=1"}, new String[] {"--seconds", "x"},
        new String[] {"--cluster", "docker"}, new String[] {"--cluster", "process",
            "--endpoints", "h:1"}, new String[] {"--clients", "go"},
        new String[] {"--runs", "0"}, new String[] {"--kill-at", "1", "--cluster", "process"},
        new String[] {"--warmup", "10", "--warmup-min", "20"},
        new String[] {"--warmup-tolerance", "0"},
        new String[] {"--rlctl", "/no/such/rlctl", "--cluster", "process"},
        new String[] {"--cluster", "embedded", "--node-jvm-opts", "-Xmx1g"},
        new String[] {"--node-jvm-opts", " "}, new String[] {"--raft-floor", "-1"},
        new String[] {"--compare-set", "no.such.setting=1"},
        new String[] {"--compare-set", "batch.linger-min-ops"},
        new String[] {"--cluster", "embedded", "--compare-set", "batch.linger-min-ops=8"},
        new String[] {"--cluster", "embedded", "--raft-floor", "8"})) {
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
