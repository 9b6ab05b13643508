package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.runtime.NodeJvm;
import io.raftlimiter.server.runtime.ProcessLiveness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which pids of the endpoints file are running nodes. A node killed with {@code kill -9} whose
 * parent has not reaped it yet was taken for a running node, so {@code cluster up} did not start
 * it again and waited for it in vain. And stopping nodes: {@code cluster down} stopped one node
 * at a time, each stop waiting until the node's parent had reaped it.
 */
class NodeProcessesTest {
  @TempDir Path dir;

  /**
   * A node's JVM exits on an out-of-memory error rather than run on half dead, whatever JVM
   * options the user gives (a later {@code -XX:-ExitOnOutOfMemoryError} of theirs still wins).
   */
  @Test
  void everyNodeJvmExitsOnOutOfMemory() {
    for (String options : List.of(NodeJvm.DEFAULT_OPTIONS, "-Xmx256m", "  ")) {
      List<String> command = NodeJvm.command(options);
      assertTrue(command.get(0).endsWith("java"), command.toString());
      assertEquals("-XX:+ExitOnOutOfMemoryError", command.get(1), command.toString());
      for (String option : options.trim().split("\\s+")) {
        assertTrue(option.isEmpty() || command.indexOf(option) > 1, command.toString());
      }
    }
  }

  /**
   * A node refuses to start without TLS unless told it is insecure on purpose: rlctl tells the
   * nodes of a cluster made without --tls (on 127.0.0.1 only), before the user's own settings so
   * that theirs win, and tells those of a TLS cluster nothing of the kind.
   */
  @Test
  void onlyNodesOfAClusterWithoutTlsAreStartedInsecureOnPurpose() throws IOException {
    ClusterLayout layout = ClusterLayout.create(1, 1, 1, null, 100, 10)
        .withSettings(Map.of("limit.shadow", "true")).withHttpPorts();
    PeerAddress peer = layout.peers().get(0);
    List<String> plain = NodeProcesses.nodeCommand(dir.resolve("plain"), layout, peer, "",
        Map.of());
    int insecure = plain.indexOf("security.allow-insecure=true");
    assertTrue(insecure > 0 && plain.get(insecure - 1).equals("--set"), plain.toString());
    assertTrue(insecure < plain.indexOf("limit.shadow=true"), "the user's settings come later");

    Path tlsDir = dir.resolve("tls");
    ClusterTls.create(tlsDir);
    List<String> tls = NodeProcesses.nodeCommand(tlsDir, layout, peer, "", Map.of());
    assertFalse(tls.stream().anyMatch(arg -> arg.startsWith("security.allow-insecure")),
        tls.toString());
    assertTrue(tls.stream().anyMatch(arg -> arg.startsWith("security.tls-cert-file=")),
        tls.toString());
  }

  /**
   * Each process, told to stop, waits for the other to have been told too: stopped one at a
   * time, the first would wait out the grace period and be killed.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void stopAllTellsEveryProcessBeforeWaitingForAny() throws Exception {
    Process first = waitingOnTerm("first", "second");
    Process second = waitingOnTerm("second", "first");
    try {
      awaitFile(dir.resolve("first.ready"));
      awaitFile(dir.resolve("second.ready"));
      List<Boolean> graceful = NodeProcesses.stopAll(
          List.of(first.toHandle(), second.toHandle()), Duration.ofSeconds(5));
      assertEquals(List.of(true, true), graceful);
      assertTrue(first.waitFor(5, TimeUnit.SECONDS) && second.waitFor(5, TimeUnit.SECONDS));
      assertEquals(0, first.exitValue(), "the first saw the second told");
      assertEquals(0, second.exitValue(), "the second saw the first told");
    } finally {
      first.destroyForcibly();
      second.destroyForcibly();
    }
  }

  /** A process that exits on SIGTERM is stopped even while its parent has not reaped it. */
  @Test
  @EnabledOnOs(OS.LINUX)
  void aStoppedProcessItsParentHasNotReapedCountsAsStopped() throws Exception {
    Unreaped started =
        underAParentThatNeverReaps("sh -c 'trap \"exit 0\" TERM; while true; do sleep 0.05; done'");
    Process parent = started.parent();
    long child = started.child();
    try {
      ProcessHandle handle = ProcessHandle.of(child).orElseThrow();
      assertEquals(List.of(true), NodeProcesses.stopAll(List.of(handle), Duration.ofSeconds(5)),
          "exited by itself, not killed after the grace period");
      assertTrue(ProcessLiveness.exited(child), "a zombie until its parent exits");
    } finally {
      parent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  /** A shell, and the child it started before it became 'sleep', which never reaps it. */
  private record Unreaped(Process parent, long child) {}

  private static Unreaped underAParentThatNeverReaps(String child)
      throws IOException, InterruptedException {
    Process parent = new ProcessBuilder("sh", "-c", child + " & echo $!; exec sleep 30")
        .redirectErrorStream(true).start();
    long pid;
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
      pid = Long.parseLong(out.readLine().trim());
    }
    // Until it has become 'sleep', the shell itself would reap a child that exits.
    Path comm = Path.of("/proc", Long.toString(parent.pid()), "comm");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.readString(comm).trim().equals("sleep")) {
      assertTrue(System.nanoTime() < deadline, "the shell never became sleep");
      Thread.sleep(5);
    }
    return new Unreaped(parent, pid);
  }

  /**
   * A shell that writes {@code <self>.ready}, and on SIGTERM writes {@code <self>.told} and waits
   * up to 10 s for {@code <other>.told}: exit code 0 if it came, 3 if not.
   */
  private Process waitingOnTerm(String self, String other) throws IOException {
    String script = "trap 'touch " + self + ".told; i=0; while [ ! -e " + other + ".told ]; do "
        + "i=$((i+1)); if [ $i -gt 200 ]; then exit 3; fi; sleep 0.05; done; exit 0' TERM; "
        + "touch " + self + ".ready; while true; do sleep 0.05; done";
    return new ProcessBuilder("sh", "-c", script).directory(dir.toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  private static void awaitFile(Path file) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.exists(file)) {
      assertTrue(System.nanoTime() < deadline, "not written within 10 s: " + file);
      Thread.sleep(10);
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void anExitedProcessNotYetReapedIsNotRunning() throws Exception {
    Unreaped started = underAParentThatNeverReaps("sleep 0"); // exits at once
    Process parent = started.parent();
    long zombie = started.child();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!ProcessLiveness.exited(zombie) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(ProcessLiveness.exited(zombie), "the child has exited and is not reaped");
      assertFalse(ProcessHandle.of(zombie).map(ProcessLiveness::running).orElse(false),
          "alive to the JDK, not running");
      assertTrue(NodeProcesses.find(zombie).isEmpty(), "not a running node");
      assertFalse(ProcessLiveness.exited(parent.pid()));
      assertTrue(NodeProcesses.find(parent.pid()).isEmpty(), "running, but not one of ours");
    } finally {
      parent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
