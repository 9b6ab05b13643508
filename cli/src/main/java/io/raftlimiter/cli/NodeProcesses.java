package io.raftlimiter.cli;

import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.runtime.NodeJvm;
import io.raftlimiter.server.runtime.ProcessLiveness;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Starts and stops node processes of a local cluster. A node runs as {@code rlctl node} in its own
 * JVM and session (so that a Ctrl-C in the shell that ran {@code cluster up} does not reach it),
 * with its output in {@code D/<node-id>.log}.
 */
final class NodeProcesses {
  /** Marks our node processes, so that a stale pid is never mistaken for one. */
  static final String MAIN_CLASS = Rlctl.class.getName();
  private NodeProcesses() {}

  static Process launch(Path clusterDir, ClusterLayout layout, PeerAddress peer, String jvmOptions)
      throws IOException {
    return launch(clusterDir, layout, peer, jvmOptions, Map.of());
  }

  /** Starts a node; {@code extra} settings apply to this launch only (e.g. cluster.join). */
  static Process launch(Path clusterDir, ClusterLayout layout, PeerAddress peer, String jvmOptions,
      Map<String, String> extra) throws IOException {
    List<String> command = nodeCommand(clusterDir, layout, peer, jvmOptions, extra);
    Path log = logFile(clusterDir, peer.id());
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
  }

  /** The command line that runs {@code peer} as a node of the cluster in {@code clusterDir}. */
  static List<String> nodeCommand(Path clusterDir, ClusterLayout layout, PeerAddress peer,
      String jvmOptions, Map<String, String> extra) throws IOException {
    List<String> command = new ArrayList<>();
    if (new File("/usr/bin/setsid").canExecute()) {
      command.add("/usr/bin/setsid");
    }
    command.addAll(NodeJvm.command(jvmOptions));
    String classPath = System.getProperty("java.class.path");
    command.addAll(NodeClassArchive.optionsFor(jvmOptions, classPath,
        System.getenv(NodeClassArchive.SWITCH)));
    command.addAll(List.of("-cp", classPath, MAIN_CLASS, "node",
        "--id", peer.id(),
        "--dir", clusterDir.resolve(peer.id()).toAbsolutePath().toString(),
        "--host", peer.host(),
        "--client-port", Integer.toString(peer.clientPort()),
        "--raft-port", Integer.toString(peer.raftPort()),
        "--peers", PeerAddress.format(layout.peers()),
        "--capacity", Long.toString(layout.capacity()),
        "--refill", Double.toString(layout.refillPerSecond()),
        "--set", "cluster.groups=" + layout.groups(),
        "--set", "cluster.replication=" + layout.replication(),
        "--log-level", "info"));
    if (!ClusterTls.enabled(clusterDir)) {
      // Before the layout's settings, so that a user's own --set of it wins.
      ClusterTls.INSECURE_ON_LOOPBACK
          .forEach((name, value) -> command.addAll(List.of("--set", name + "=" + value)));
    }
    layout.settings().forEach((name, value) -> command.addAll(List.of("--set", name + "=" + value)));
    Integer httpPort = layout.httpPorts().get(peer.id());
    if (httpPort != null) {
      command.addAll(List.of("--set", "node.http-port=" + httpPort));
    }
    if (ClusterTls.enabled(clusterDir)) {
      ClusterTls.nodeSettings(clusterDir, peer)
          .forEach((name, value) -> command.addAll(List.of("--set", name + "=" + value)));
    }
    extra.forEach((name, value) -> command.addAll(List.of("--set", name + "=" + value)));
    return command;
  }

  static Path logFile(Path clusterDir, String nodeId) {
    return clusterDir.resolve(nodeId + ".log");
  }

  /**
   * The live process with {@code pid}, if it is one of our nodes. A process that has exited but
   * not been reaped yet (a zombie: {@code kill -9}ed, under a parent slow to reap) still "is
   * alive" to {@link ProcessHandle#isAlive} and has no command line: it is not running. Neither is
   * a process whose command line cannot be read: the pid may have been reused by anything.
   */
  static Optional<ProcessHandle> find(long pid) {
    return ProcessHandle.of(pid)
        .filter(ProcessLiveness::running)
        .filter(p -> p.info().commandLine().map(c -> c.contains(MAIN_CLASS) || c.contains("rlctl"))
            .orElse(false));
  }

  /** SIGTERM, then SIGKILL if the node has not exited within {@code grace}. */
  static boolean stop(ProcessHandle process, Duration grace) {
    return stopAll(List.of(process), grace).get(0);
  }

  /**
   * SIGTERM to every process at once, then SIGKILL to each one not exited within {@code grace}:
   * whether each exited by itself, in the order given.
   */
  static List<Boolean> stopAll(List<ProcessHandle> processes, Duration grace) {
    processes.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + grace.toNanos();
    List<Boolean> graceful = new ArrayList<>();
    for (ProcessHandle process : processes) {
      boolean exited = awaitExit(process, deadline);
      if (!exited) {
        process.destroyForcibly();
      }
      graceful.add(exited);
    }
    return graceful;
  }

  /**
   * Polls instead of {@link ProcessHandle#onExit()}: for a process that is not our child (a node
   * of an earlier {@code cluster up}) the JDK counts it running until its parent has reaped it,
   * seconds late where the reaper is slow, and itself polls only every 300 ms and more.
   */
  private static boolean awaitExit(ProcessHandle process, long deadlineNanos) {
    while (ProcessLiveness.running(process)) {
      if (System.nanoTime() > deadlineNanos) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
