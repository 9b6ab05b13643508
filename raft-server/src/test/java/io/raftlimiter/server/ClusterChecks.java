package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.fail;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.server.local.LocalCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits and state dumps for tests that drive a {@link LocalCluster} directly. */
final class ClusterChecks {
  private static final long AWAIT_SECONDS = 90;

  private ClusterChecks() {}

  /** Polls {@code condition} for up to 90 s; a failure says {@code what} was awaited. */
  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + AWAIT_SECONDS + " s: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Polls {@code condition} for up to 90 s; a failure dumps every node's state. */
  static void await(LocalCluster cluster, String what, BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + AWAIT_SECONDS + " s: " + what + "\n" + describe(cluster));
      }
      Thread.sleep(100);
    }
  }

  /** Each node's storage, metadata and replicas, one line a replica. */
  static String describe(LocalCluster cluster) {
    StringBuilder out = new StringBuilder();
    for (int node = 0; node < cluster.size(); node++) {
      if (!cluster.isRunning(node)) {
        out.append("  node ").append(node).append(" down\n");
        continue;
      }
      NodeStatus status = cluster.node(node).status();
      out.append("  node ").append(node).append(" storage ").append(status.getStorageId())
          .append(" metadata v").append(status.getMetadataVersion()).append(' ')
          .append(cluster.node(node).metadata().membership()).append(" metadata replica ")
          .append(status.getMetadataGroup().getRole()).append(" term ")
          .append(status.getMetadataGroup().getTerm()).append('\n');
      for (GroupStatus g : status.getGroupsList()) {
        out.append("    group ").append(g.getIndex()).append(' ').append(g.getRole())
            .append(" term ").append(g.getTerm()).append(" peers=").append(g.getPeerIdsList())
            .append(" applied=").append(g.getAppliedIndex()).append('\n');
      }
    }
    return out.toString();
  }

  /** One key per data group, "drained-i" for the first i that routes there. */
  static List<String> keysCoveringEveryGroup(int groups) {
    KeyToGroup map = new KeyToGroup(groups);
    Map<Integer, String> byGroup = new TreeMap<>();
    for (int i = 0; byGroup.size() < groups; i++) {
      byGroup.putIfAbsent(map.groupOf(("drained-" + i).getBytes()), "drained-" + i);
    }
    return new ArrayList<>(byGroup.values());
  }
}
