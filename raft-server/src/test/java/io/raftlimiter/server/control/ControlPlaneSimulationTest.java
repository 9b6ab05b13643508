package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The planner over many ticks, not one step: thousands of seeded clusters of 3 to 7 nodes and
 * 2 to 8 groups go through kills, wipes, cut-offs, failed replicas, joins, drains, elections
 * and a controller that dies mid-move ({@link SimulatedCluster}). Every step is checked for
 * safety as it is taken; once the faults stop, every cluster must settle where the ring puts
 * its groups.
 */
class ControlPlaneSimulationTest {
  private static final int SEEDS = 1_000;
  private static final int FAULT_TICKS = 80;
  private static final int SETTLE_TICKS = 60;

  @Test
  void everySeedStaysSafeAndSettlesOnceTheFaultsStop() {
    Map<String, Integer> counts = new TreeMap<>();
    for (long seed = 0; seed < SEEDS; seed++) {
      SimulatedCluster cluster = run(seed);
      cluster.counts().forEach((kind, n) -> counts.merge(kind, n, Integer::sum));
      if (!cluster.violations().isEmpty()) {
        fail("seed " + seed + " broke safety: " + cluster.violations() + "\n"
            + cluster.history());
      }
      List<String> unsettled = cluster.unsettled();
      if (!unsettled.isEmpty()) {
        fail("seed " + seed + " did not settle in " + SETTLE_TICKS + " ticks: " + unsettled
            + "\nconfigurations " + cluster.configurations() + "\n" + cluster.history());
      }
    }
    for (String kind : List.of("kill", "wipe", "cut off", "replica failed", "join", "drain",
        "election", "controller died", "Move", "Record", "RecordStorage", "DropStray")) {
      assertTrue(counts.getOrDefault(kind, 0) >= SEEDS / 10,
          "too few '" + kind + "' over " + SEEDS + " seeds to prove anything: " + counts);
    }
    System.out.println("simulated " + SEEDS + " seeds: " + counts);
  }

  static SimulatedCluster run(long seed) {
    SimulatedCluster cluster =
        new SimulatedCluster(seed, 3 + (int) (seed % 5), 2 + (int) (seed % 7), 3);
    for (int i = 0; i < FAULT_TICKS; i++) {
      cluster.tick(true);
    }
    cluster.heal();
    for (int i = 0; i < SETTLE_TICKS && !cluster.unsettled().isEmpty(); i++) {
      cluster.tick(false);
    }
    return cluster;
  }
}
