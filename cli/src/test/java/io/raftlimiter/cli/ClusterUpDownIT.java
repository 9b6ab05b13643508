package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives {@code rlctl cluster up / acquire / status / down} as separate processes, the way a user
 * does, against the packaged jar: three node processes, state kept across down and up.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterUpDownIT {
  @TempDir Path work;
  private Path clusterDir;

  private record Run(int exitCode, String out) {}

  private Run rlctl(String... args) throws IOException, InterruptedException {
    String jar = System.getProperty("rlctl.jar");
    assertTrue(jar != null && Files.exists(Path.of(jar)), "packaged jar missing: " + jar);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", jar));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(240, TimeUnit.SECONDS), "rlctl did not finish: " + out);
    return new Run(process.exitValue(), out);
  }

  @AfterEach
  void stopEverything() throws Exception {
    if (clusterDir != null && Files.exists(clusterDir.resolve("endpoints"))) {
      rlctl("cluster", "down", "--dir", clusterDir.toString());
    }
  }

  @Test
  void upAcquireStatusDownAndUpAgainKeepsState() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = rlctl("cluster", "up", "--nodes", "3", "--groups", "4", "--dir",
        clusterDir.toString(), "--capacity", "3", "--refill", "0.001", "--jvm-opts", "-Xmx256m");
    assertEquals(0, up.exitCode(), up.out());

    List<String> lines = Files.readAllLines(clusterDir.resolve("endpoints"));
    assertEquals(3, lines.size(), lines.toString());
    List<String> addresses = new ArrayList<>();
    for (String line : lines) {
      String[] parts = line.split(" ");
      assertEquals(3, parts.length, line);
      assertTrue(parts[1].startsWith("127.0.0.1:"), line);
      long pid = Long.parseLong(parts[2]);
      assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "alive: " + line);
      addresses.add(parts[1]);
    }

    // Three permits under the cluster's default limit, from three different nodes, then none.
    for (int i = 0; i < 3; i++) {
      Run allowed = rlctl("acquire", "--target", addresses.get(i), "user-1");
      assertEquals(0, allowed.exitCode(), allowed.out());
      assertTrue(allowed.out().startsWith("allowed"), allowed.out());
    }
    Run rejected = rlctl("acquire", "--target", addresses.get(0), "user-1");
    assertEquals(1, rejected.exitCode(), rejected.out());
    assertTrue(rejected.out().startsWith("rejected"), rejected.out());

    Run invalid = rlctl("acquire", "--target", addresses.get(1), "user-1", "--permits", "-1");
    assertEquals(2, invalid.exitCode(), invalid.out());
    assertTrue(invalid.out().contains("INVALID_ARGUMENT"), invalid.out());

    // A limit rule by prefix, set through the metadata group, then applied by the nodes.
    String dirFlag = "--dir=" + clusterDir;
    Run set = rlctl("limits", "set", "tenant-7:", "--capacity", "2", "--refill", "0.001", dirFlag);
    assertEquals(0, set.exitCode(), set.out());
    assertTrue(set.out().contains("tenant-7:"), set.out());
    Run underRule = awaitOutput(Duration.ofSeconds(20), "limit=2@",
        "acquire", "--target", addresses.get(1), "tenant-7:alice");
    assertEquals(0, underRule.exitCode(), underRule.out());
    Run notFound = rlctl("limits", "remove", "tenant-8:", dirFlag);
    assertEquals(1, notFound.exitCode(), notFound.out());
    assertTrue(notFound.out().contains("NOT_FOUND"), notFound.out());
    Run badRule = rlctl("limits", "set", "x", "--capacity", "0", "--refill", "1", dirFlag);
    assertEquals(2, badRule.exitCode(), badRule.out());

    Run status = rlctl("cluster", "status", "--dir", clusterDir.toString());
    assertEquals(0, status.exitCode(), status.out());
    assertTrue(status.out().contains("3 of 3 nodes up"), status.out());
    // One line per group: index, its three replicas and a leader.
    assertEquals(4, status.out().lines().filter(l -> l.matches("[0-3]\\s+n\\d,n\\d,n\\d\\s+n\\d\\s+.*"))
        .count(), status.out());

    Run down = rlctl("cluster", "down", "--dir", clusterDir.toString());
    assertEquals(0, down.exitCode(), down.out());
    assertFalse(Files.exists(clusterDir.resolve("endpoints")));
    for (String line : lines) {
      long pid = Long.parseLong(line.split(" ")[2]);
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stopped: " + line);
    }
    Run statusDown = rlctl("cluster", "status", "--dir", clusterDir.toString());
    assertEquals(1, statusDown.exitCode(), statusDown.out());
    assertTrue(statusDown.out().contains("0 of 3 nodes up"), statusDown.out());

    // Same directory again: same nodes, same ports, and the drained bucket is still drained.
    Run again = rlctl("cluster", "up", "--dir", clusterDir.toString(), "--jvm-opts", "-Xmx256m");
    assertEquals(0, again.exitCode(), again.out());
    Run stillRejected = rlctl("acquire", "--target", addresses.get(2), "user-1");
    assertEquals(1, stillRejected.exitCode(), stillRejected.out());
    Run fresh = rlctl("acquire", "--target", addresses.get(2), "user-2");
    assertEquals(0, fresh.exitCode(), fresh.out());
    Run rulesKept = rlctl("limits", "list", dirFlag);
    assertEquals(0, rulesKept.exitCode(), rulesKept.out());
    assertTrue(rulesKept.out().contains("tenant-7:"), "the rule survives the restart: "
        + rulesKept.out());
    Run removed = rlctl("limits", "remove", "tenant-7:", dirFlag);
    assertEquals(0, removed.exitCode(), removed.out());
    assertFalse(removed.out().contains("tenant-7:"), removed.out());
  }

  /** Runs rlctl until its output contains {@code expected}, or the time is up; the last run. */
  private Run awaitOutput(Duration within, String expected, String... args) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Run run = rlctl(args);
    while (!run.out().contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      run = rlctl(args);
    }
    assertTrue(run.out().contains(expected), "no '" + expected + "' in time: " + run.out());
    return run;
  }
}
