package io.raftlimiter.bench.cluster;

import io.raftlimiter.server.runtime.ProcessLiveness;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A local cluster of node processes for one measurement, started and stopped with
 * {@code rlctl cluster up/down} in a scratch directory that goes with it.
 *
 * <p>Stopping is tied to the directory's deletion ({@link ScratchDirectory}'s {@code beforeDelete}),
 * so that it happens on every way out: the end of the run, a failure, or Ctrl-C. The nodes run in
 * sessions of their own and do not get the terminal's SIGINT; after {@code cluster down}, any pid
 * of the endpoints file still alive is killed, so that no node outlives the bench.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final Duration UP_TIMEOUT = Duration.ofMinutes(5); // may build the CLI first
  private static final Duration DOWN_TIMEOUT = Duration.ofMinutes(1);

  private final ScratchDirectory scratch;
  private final Rlctl rlctl;
  private final PrintStream log;
  private volatile List<NodeEndpoints.Node> nodes;

  private final long startedNanos;

  private ProcessCluster(ScratchDirectory scratch, Rlctl rlctl, PrintStream log,
      List<NodeEndpoints.Node> nodes, long startedNanos) {
    this.scratch = scratch;
    this.rlctl = rlctl;
    this.log = log;
    this.nodes = nodes;
    this.startedNanos = startedNanos;
  }

  /** Starts the nodes and returns once every group has a leader (as {@code cluster up} does). */
  public static ProcessCluster start(Rlctl rlctl, ClusterSpec spec, PrintStream log)
      throws IOException, InterruptedException {
    long startedNanos = System.nanoTime();
    ScratchDirectory scratch = new ScratchDirectory("raftlimiter-bench-",
        path -> stop(rlctl, path, log));
    try {
      Path dir = clusterDir(scratch.path());
      rlctl.run(Rlctl.upArguments(dir, spec), scratch.path().resolve("rlctl-up.out"), UP_TIMEOUT,
          log);
      List<NodeEndpoints.Node> nodes = NodeEndpoints.parse(
          Files.readString(dir.resolve(NodeEndpoints.FILE)));
      if (nodes.size() != spec.nodes()) {
        throw new IOException("rlctl started " + nodes.size() + " nodes, not " + spec.nodes());
      }
      return new ProcessCluster(scratch, rlctl, log, nodes, startedNanos);
    } catch (IOException | InterruptedException | RuntimeException e) {
      scratch.close();
      throw e;
    }
  }

  private static Path clusterDir(Path scratch) {
    return scratch.resolve("cluster");
  }

  public List<NodeEndpoints.Node> nodes() {
    return nodes;
  }

  public List<String> endpoints() {
    return nodes.stream().map(NodeEndpoints.Node::address).toList();
  }

  /** The cluster directory {@code rlctl cluster up} made ({@code endpoints}, {@code admin.token}). */
  public Path directory() {
    return clusterDir(scratch.path());
  }

  /** {@code System.nanoTime()} when {@code cluster up} was started: the origin of warm-up times. */
  public long startedNanos() {
    return startedNanos;
  }

  public List<Long> pids() {
    return nodes.stream().map(NodeEndpoints.Node::pid).toList();
  }

  /** Stops every node ({@code cluster down}), keeping their data. */
  public void stopNodes() {
    stop(rlctl, scratch.path(), log);
  }

  /**
   * Starts every node again on its data ({@code cluster up} on the same directory, which starts
   * them all at once) and returns once they serve.
   */
  public void startNodes() throws IOException, InterruptedException {
    Path dir = directory();
    rlctl.run(List.of("cluster", "up", "--dir", dir.toString()),
        scratch.path().resolve("rlctl-up-again.out"), UP_TIMEOUT, log);
    nodes = NodeEndpoints.parse(Files.readString(dir.resolve(NodeEndpoints.FILE)));
  }

  /** Where node {@code id} keeps its data ({@code rlctl} gives each node {@code D/<id>}). */
  public Path nodeDirectory(String id) {
    return directory().resolve(id);
  }

  /** Stops the nodes and deletes the directory with their data and logs. */
  @Override
  public void close() {
    scratch.close();
  }

  private static void stop(Rlctl rlctl, Path scratch, PrintStream log) {
    Path dir = clusterDir(scratch);
    Path file = dir.resolve(NodeEndpoints.FILE);
    if (!Files.exists(file)) {
      return;
    }
    List<NodeEndpoints.Node> started;
    try {
      started = NodeEndpoints.parse(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      rlctl.run(Rlctl.downArguments(dir), scratch.resolve("rlctl-down.out"), DOWN_TIMEOUT, log);
    } catch (IOException e) {
      log.println("bench: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (NodeEndpoints.Node node : started) {
      Optional<ProcessHandle> process = ProcessHandle.of(node.pid())
          .filter(ProcessLiveness::running); // a zombie is down, only not reaped yet
      if (process.isPresent()) {
        log.printf("bench: node %s (pid %d) still up after cluster down; killing it%n", node.id(),
            node.pid());
        process.get().destroyForcibly();
      }
    }
  }
}
