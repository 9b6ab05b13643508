package io.raftlimiter.cli;

import java.util.List;

/**
 * Starts and stops the nodes of a cluster for the autoscaler. On one machine, local processes
 * ({@link LocalProcessLauncher}); a deployment plugs in its own orchestrator.
 */
interface NodeLauncher {
  /** Starts a node that joins the cluster; returns once it holds replicas. Its id. */
  String add() throws Exception;

  /** Drains node {@code id} (leaderships and replicas moved first), then stops it. */
  void drain(String id) throws Exception;

  /** The client addresses of the nodes running now. */
  List<String> nodes() throws Exception;

  /** The node to drain when the cluster shrinks, or null when none may be drained. */
  String drainCandidate() throws Exception;
}
