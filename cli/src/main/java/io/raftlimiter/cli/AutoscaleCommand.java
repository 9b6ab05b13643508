package io.raftlimiter.cli;

import io.raftlimiter.api.admin.v1.NodeStatus;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Grows and shrinks a local cluster with its load, until stopped (Ctrl-C). */
@Command(name = "autoscale", mixinStandardHelpOptions = true,
    header = "Add and drain nodes of the cluster in D as its load goes up and down.",
    description = {"Watch the cluster in D and add a node when the decisions per node stay above",
        "--high for --window seconds, drain one when they stay below --low, within",
        "--min-nodes..--max-nodes. Runs in the foreground until stopped."})
final class AutoscaleCommand implements Callable<Integer> {
  @Mixin ClusterDirectory cluster;

  @Option(names = "--high", required = true, description = "Decisions/s per node that add a node.")
  double high;

  @Option(names = "--low", required = true, description = "Decisions/s per node that drain one.")
  double low;

  @Option(names = "--window", defaultValue = "30", description = "Seconds the load must stay "
      + "beyond a threshold (default ${DEFAULT-VALUE}).")
  int windowSeconds;

  @Option(names = "--min-nodes", defaultValue = "3", description = "Never fewer nodes "
      + "(default ${DEFAULT-VALUE}).")
  int minNodes;

  @Option(names = "--max-nodes", defaultValue = "7", description = "Never more nodes "
      + "(default ${DEFAULT-VALUE}).")
  int maxNodes;

  @Mixin NodeJvmOptions jvm;

  @Override
  public Integer call() throws Exception {
    ClusterCommand.requireClusterDirectory(cluster.dir);
    ScalingPolicy policy;
    try {
      policy = new ScalingPolicy(high, low, TimeUnit.SECONDS.toNanos(windowSeconds), minNodes,
          maxNodes);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    NodeLauncher launcher = new LocalProcessLauncher(cluster.dir, jvm.value);
    System.out.printf("autoscaling %s: add above %.0f, drain below %.0f decisions/s per node "
        + "over %d s, %d..%d nodes%n", cluster.dir, high, low, windowSeconds, minNodes, maxNodes);
    while (!Thread.currentThread().isInterrupted()) {
      long decisions = 0;
      int serving = 0;
      for (String address : launcher.nodes()) {
        Optional<NodeStatus> status =
            AdminClient.status(address, ClusterTls.adminCredentials(cluster.dir), 1000);
        if (status.isPresent()) {
          serving++;
          decisions += status.get().getDecisionsAllowed() + status.get().getDecisionsRejected();
        }
      }
      act(policy.observe(System.nanoTime(), decisions, serving), launcher, System.out);
      Thread.sleep(1_000);
    }
    return 0;
  }

  /**
   * Carries out one decision of the policy. A failed add or drain is reported and the autoscaler
   * goes on watching: the policy starts a new window after every decision, so the step is tried
   * again only if the load still calls for it a whole window later, not in a tight loop.
   */
  static void act(ScalingPolicy.Action action, NodeLauncher launcher, PrintStream out) {
    try {
      switch (action) {
        case ADD -> out.println("load high: added " + launcher.add());
        case DRAIN -> {
          String candidate = launcher.drainCandidate();
          if (candidate != null) {
            launcher.drain(candidate);
            out.println("load low: drained " + candidate);
          }
        }
        case NONE -> { }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      out.println("load " + (action == ScalingPolicy.Action.ADD ? "high" : "low")
          + ": could not " + (action == ScalingPolicy.Action.ADD ? "add a node" : "drain a node")
          + " (" + e + "); trying again after another window");
    }
  }
}
