package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.cli.RlctlProcess.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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




  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void upAcquireStatusDownAndUpAgainKeepsState() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = RlctlProcess.run("cluster", "up", "--nodes", "3", "--groups", "4", "--dir",
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
      // A node shares the JVM's common pool even on two cores (CommonPool), where the JVM's
      // default would start a thread for each of Ratis' log appends on a follower.
      String log = Files.readString(clusterDir.resolve(parts[0] + ".log"));
      assertTrue(log.contains(" serving clients on "), log);
      assertFalse(log.contains("common pool has parallelism"), log);
    }

    // Three permits under the cluster's default limit, from three different nodes, then none.
    for (int i = 0; i < 3; i++) {
      Run allowed = RlctlProcess.run("acquire", "--target", addresses.get(i), "user-1");
      assertEquals(0, allowed.exitCode(), allowed.out());
      assertTrue(allowed.out().startsWith("allowed"), allowed.out());
    }
    Run rejected = RlctlProcess.run("acquire", "--target", addresses.get(0), "user-1");
    assertEquals(1, rejected.exitCode(), rejected.out());
    assertTrue(rejected.out().startsWith("rejected"), rejected.out());

    Run invalid = RlctlProcess.run("acquire", "--target", addresses.get(1), "user-1", "--permits", "-1");
    assertEquals(2, invalid.exitCode(), invalid.out());
    assertTrue(invalid.out().contains("INVALID_ARGUMENT"), invalid.out());

    // A limit rule by prefix, set through the metadata group, then applied by the nodes.
    String dirFlag = "--dir=" + clusterDir;
    Run set = RlctlProcess.run("limits", "set", "tenant-7:", "--capacity", "2", "--refill", "0.001", dirFlag);
    assertEquals(0, set.exitCode(), set.out());
    assertTrue(set.out().contains("tenant-7:"), set.out());
    Run underRule = awaitOutput(Duration.ofSeconds(20), "limit=2@",
        "acquire", "--target", addresses.get(1), "tenant-7:alice");
    assertEquals(0, underRule.exitCode(), underRule.out());
    // Changes need the cluster's admin token: rlctl sends it by itself with --dir, and from
    // elsewhere only with --admin-token-file; reads stay open.
    Path token = clusterDir.resolve("admin.token");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
    String anyNode = "--endpoints=" + addresses.get(2);
    Run withoutToken = RlctlProcess.run("limits", "set", "open:", "--capacity", "9", "--refill",
        "1", anyNode);
    assertEquals(1, withoutToken.exitCode(), withoutToken.out());
    assertTrue(withoutToken.out().contains("UNAUTHENTICATED"), withoutToken.out());
    Run withToken = RlctlProcess.run("limits", "set", "open:", "--capacity", "9", "--refill",
        "1", anyNode, "--admin-token-file=" + token);
    assertEquals(0, withToken.exitCode(), withToken.out());
    Run read = RlctlProcess.run("limits", "list", anyNode);
    assertEquals(0, read.exitCode(), read.out());
    assertTrue(read.out().contains("open:"), read.out());
    Run notFound = RlctlProcess.run("limits", "remove", "tenant-8:", dirFlag);
    assertEquals(1, notFound.exitCode(), notFound.out());
    assertTrue(notFound.out().contains("NOT_FOUND"), notFound.out());
    Run badRule = RlctlProcess.run("limits", "set", "x", "--capacity", "0", "--refill", "1", dirFlag);
    assertEquals(2, badRule.exitCode(), badRule.out());

    // A fourth node joins and gets replicas; then it is drained and removed.
    Run added = RlctlProcess.run("cluster", "add-node", dirFlag, "--jvm-opts", "-Xmx256m");
    assertEquals(0, added.exitCode(), added.out());
    assertTrue(added.out().contains("n4"), added.out());
    Run withFour = RlctlProcess.run("cluster", "status", dirFlag);
    assertTrue(withFour.out().contains("4 of 4 nodes up"), withFour.out());
    Run drained = RlctlProcess.run("cluster", "remove-node", "n4", dirFlag);
    assertEquals(0, drained.exitCode(), drained.out() + controllerLog());
    assertTrue(drained.out().contains("n4 drained, removed and stopped"), drained.out());
    assertTrue(RlctlProcess.run("acquire", "--target", addresses.get(0), "after-removal")
        .out().startsWith("allowed"));

    Run status = RlctlProcess.run("cluster", "status", "--dir", clusterDir.toString());
    assertEquals(0, status.exitCode(), status.out());
    assertTrue(status.out().contains("3 of 3 nodes up"), status.out());
    // One line per group: index, its three replicas and a leader, ..., the acquires queued.
    assertTrue(status.out().contains("SNAPSHOT  QUEUED"), status.out());
    assertEquals(4, status.out().lines().filter(l -> l.matches(
        "[0-3]\\s+n\\d,n\\d,n\\d\\s+n\\d\\s+\\d+\\s+\\d+\\s+(-|\\d+s)\\s+0\\s+.*")).count(),
        status.out());
    // The same through any one node, as for a cluster on other hosts; and as JSON.
    Run remote = RlctlProcess.run("cluster", "status", "--endpoints", addresses.get(2));
    assertEquals(0, remote.exitCode(), remote.out());
    assertTrue(remote.out().contains("3 of 3 nodes up"), remote.out());
    assertEquals(4, remote.out().lines()
        .filter(l -> l.matches("[0-3]\\s+n\\d,n\\d,n\\d\\s+n\\d\\s+.*")).count(), remote.out());
    Run json = RlctlProcess.run("cluster", "status", "--endpoints", addresses.get(1), "-o",
        "json");
    assertEquals(0, json.exitCode(), json.out());
    assertTrue(json.out().contains("{\"groups\":4,\"nodes\":[{\"id\":\"n1\""), json.out());
    assertTrue(json.out().contains("\"memberClientAddresses\""), json.out());
    Run rulesJson = RlctlProcess.run("limits", "list", "--endpoints", addresses.get(0), "-o",
        "json");
    assertEquals(0, rulesJson.exitCode(), rulesJson.out());
    assertTrue(rulesJson.out().contains("\"prefix\":\"tenant-7:\""), rulesJson.out());

    Run down = RlctlProcess.run("cluster", "down", "--dir", clusterDir.toString());
    assertEquals(0, down.exitCode(), down.out());
    assertFalse(Files.exists(clusterDir.resolve("endpoints")));
    for (String line : lines) {
      long pid = Long.parseLong(line.split(" ")[2]);
      // Exited; it may stay a zombie a moment longer, until its parent (init here) reaps it.
      assertTrue(NodeProcesses.find(pid).isEmpty(), "stopped: " + line);
    }
    Run statusDown = RlctlProcess.run("cluster", "status", "--dir", clusterDir.toString());
    assertEquals(1, statusDown.exitCode(), statusDown.out());
    assertTrue(statusDown.out().contains("0 of 3 nodes up"), statusDown.out());

    // Same directory again: same nodes, same ports, and the drained bucket is still drained.
    Run again = RlctlProcess.run("cluster", "up", "--dir", clusterDir.toString(), "--jvm-opts", "-Xmx256m");
    assertEquals(0, again.exitCode(), again.out());
    // The nodes that stopped recorded their classes as they exited (or nodes of another test
    // did before them), and the nodes started now map that archive (NodeClassArchive).
    for (String line : Files.readAllLines(clusterDir.resolve("endpoints"))) {
      String command = ProcessHandle.of(Long.parseLong(line.split(" ")[2]))
          .flatMap(p -> p.info().commandLine()).orElse("");
      assertTrue(command.contains("-XX:SharedArchiveFile="), "class sharing: " + command);
    }
    Run stillRejected = RlctlProcess.run("acquire", "--target", addresses.get(2), "user-1");
    assertEquals(1, stillRejected.exitCode(), stillRejected.out());
    Run fresh = RlctlProcess.run("acquire", "--target", addresses.get(2), "user-2");
    assertEquals(0, fresh.exitCode(), fresh.out());
    Run rulesKept = RlctlProcess.run("limits", "list", dirFlag);
    assertEquals(0, rulesKept.exitCode(), rulesKept.out());
    assertTrue(rulesKept.out().contains("tenant-7:"), "the rule survives the restart: "
        + rulesKept.out());
    Run removed = RlctlProcess.run("limits", "remove", "tenant-7:", dirFlag);
    assertEquals(0, removed.exitCode(), removed.out());
    assertFalse(removed.out().contains("tenant-7:"), removed.out());
  }

  /** What the controllers logged (on a failure: how the cluster got there). */
  private String controllerLog() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String node : List.of("n1", "n2", "n3", "n4")) {
      Path log = clusterDir.resolve(node + ".log");
      if (Files.exists(log)) {
        Files.readAllLines(log).stream()
            .filter(l -> l.contains("ReplicaController") || l.contains("MetadataClient"))
            .forEach(l -> out.append('\n').append(node).append(": ").append(l));
      }
    }
    return out.toString();
  }

  /** Runs rlctl until its output contains {@code expected}, or the time is up; the last run. */
  private Run awaitOutput(Duration within, String expected, String... args) throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    Run run = RlctlProcess.run(args);
    while (!run.out().contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      run = RlctlProcess.run(args);
    }
    assertTrue(run.out().contains(expected), "no '" + expected + "' in time: " + run.out());
    return run;
  }
}
