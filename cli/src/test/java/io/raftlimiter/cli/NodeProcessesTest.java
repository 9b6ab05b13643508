package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Which pids of the endpoints file are running nodes. A node killed with {@code kill -9} whose
 * parent has not reaped it yet was taken for a running node, so {@code cluster up} did not start
 * it again and waited for it in vain.
 */
class NodeProcessesTest {

  @Test
  @EnabledOnOs(OS.LINUX)
  void anExitedProcessNotYetReapedIsNotRunning() throws Exception {
    // The shell starts a child that exits at once, then becomes 'sleep', which never reaps it.
    Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & echo $!; exec sleep 10")
        .redirectErrorStream(true).start();
    try {
      long zombie;
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
        zombie = Long.parseLong(out.readLine().trim());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!NodeProcesses.exited(zombie) && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
      }
      assertTrue(NodeProcesses.exited(zombie), "the child has exited and is not reaped");
      assertTrue(NodeProcesses.find(zombie).isEmpty(), "not a running node");
      assertFalse(NodeProcesses.exited(parent.pid()));
      assertTrue(NodeProcesses.find(parent.pid()).isEmpty(), "running, but not one of ours");
    } finally {
      parent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
