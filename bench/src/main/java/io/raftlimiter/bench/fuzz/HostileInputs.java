package io.raftlimiter.bench.fuzz;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.raftlimiter.bench.cluster.ClusterSpec;
import io.raftlimiter.bench.cluster.ProcessCluster;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.bench.cluster.ScratchDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Inputs that need a node set up for them, sent to a node process of their own (plaintext, on
 * 127.0.0.1, as {@code rlctl cluster up} starts it) with {@code limit.request-override=deny}, an
 * operator's limit of {@value #CAPACITY} without refill, and an Envoy descriptor file read
 * again every {@value #RELOAD_INTERVAL_MS} ms: replayed request ids ({@link ReplayedIdCheck}),
 * trickling HTTP connections ({@link TrickleCheck}), and YAML alias bombs at reload and at start
 * ({@link AliasBombCheck}). Each prints what it saw; the node must be alive at the end.
 */
final class HostileInputs {
  static final long CAPACITY = 5;
  static final int RELOAD_INTERVAL_MS = 200;

  private HostileInputs() {}

  /** Whether every check held. */
  static boolean run(Rlctl rlctl, String nodeHeap, long seed, PrintStream out)
      throws IOException, InterruptedException {
    try (ScratchDirectory scratch = new ScratchDirectory("raftlimiter-fuzz-hostile-")) {
      Path envoy = scratch.path().resolve("envoy.yaml");
      Files.writeString(envoy, AliasBombCheck.GOOD_CONFIG);
      ClusterSpec spec = new ClusterSpec(1, 1, CAPACITY, 1e-6, Map.of(
          "limit.request-override", "deny", "envoy.config", envoy.toString(),
          "envoy.config-reload-interval-ms", Integer.toString(RELOAD_INTERVAL_MS)),
          "-Xmx" + nodeHeap, false);
      out.printf("%nstarting a node with limit.request-override=deny and an Envoy file...%n");
      try (ProcessCluster cluster = ProcessCluster.start(rlctl, spec, out)) {
        ManagedChannel channel = Grpc.newChannelBuilder(cluster.endpoints().get(0),
            InsecureChannelCredentials.create()).build();
        try {
          NodeHttp http = NodeHttp.firstOf(cluster.directory());
          boolean replays = ReplayedIdCheck.run(channel, seed, CAPACITY, out);
          boolean trickle = TrickleCheck.run(http.hostPort(), out);
          boolean reload = AliasBombCheck.atReload(channel, envoy, http, out);
          boolean start = AliasBombCheck.atStart(rlctl, scratch.path(), out);
          boolean alive = cluster.pids().stream().allMatch(pid -> ProcessHandle.of(pid)
              .map(ProcessHandle::isAlive).orElse(false)) && http.healthy();
          out.printf("the node alive and healthy at the end: %s%n", alive);
          return replays && trickle && reload && start && alive;
        } finally {
          channel.shutdownNow();
        }
      }
    }
  }
}
