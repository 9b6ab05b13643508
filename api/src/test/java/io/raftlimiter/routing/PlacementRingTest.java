package io.raftlimiter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlacementRingTest {
  private static List<String> nodes(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      ids.add("n" + i);
    }
    return ids;
  }

  @Test
  void replicasAreDistinctAndCappedAtTheNodeCount() {
    PlacementRing ring = new PlacementRing(nodes(5));
    for (int g = 0; g < 100; g++) {
      List<String> replicas = ring.replicasOf(g, 3);
      assertEquals(3, replicas.size());
      assertEquals(3, new HashSet<>(replicas).size());
    }
    assertEquals(2, new PlacementRing(nodes(2)).replicasOf(0, 3).size());
    assertThrows(IllegalArgumentException.class, () -> ring.replicasOf(0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PlacementRing(List.of("a", "a")));
  }

  @Test
  void placementNeverChanges() {
    // Pinned: a change would move replicas in running clusters.
    assertEquals(List.of("n4", "n1", "n2"), new PlacementRing(nodes(5)).replicasOf(0, 3));
  }

  @Test
  void placementDoesNotDependOnTheOrderNodesAreListed() {
    List<String> forward = nodes(7);
    List<String> backward = new ArrayList<>(forward);
    java.util.Collections.reverse(backward);
    assertEquals(new PlacementRing(forward).placement(64, 3),
        new PlacementRing(backward).placement(64, 3));
  }

  @ParameterizedTest
  @CsvSource({"3,4", "5,6", "8,9", "10,11"})
  void addingANodeMovesAboutReplicationOverNodesOfTheReplicas(int before, int after) {
    int groups = 512;
    int replication = 3;
    List<List<String>> old = new PlacementRing(nodes(before)).placement(groups, replication);
    List<List<String>> now = new PlacementRing(nodes(after)).placement(groups, replication);
    int moved = 0;
    for (int g = 0; g < groups; g++) {
      List<String> kept = new ArrayList<>(old.get(g));
      kept.retainAll(now.get(g));
      moved += replication - kept.size();
      for (String node : now.get(g)) {
        assertTrue(old.get(g).contains(node) || node.equals("n" + after),
            "a replica only ever moves onto the new node");
      }
    }
    double movedShare = (double) moved / (groups * replication);
    double bound = 1.5 * replication / after;
    assertTrue(movedShare <= Math.min(1.0, bound),
        "moved " + movedShare + " of replicas, bound " + bound);
    assertTrue(moved > 0, "the new node takes some replicas");
  }

  @ParameterizedTest
  @CsvSource({"3,1", "3,8", "4,6", "5,12", "6,240", "7,10"})
  void preferredLeadersAreSpreadEvenly(int nodeCount, int groups) {
    List<String> ids = nodes(nodeCount);
    List<List<String>> placement = new PlacementRing(ids).placement(groups, 3);
    Map<String, Integer> leads = new HashMap<>();
    for (int g = 0; g < groups; g++) {
      List<String> replicas = placement.get(g);
      assertEquals(new HashSet<>(new PlacementRing(ids).replicasOf(g, 3)), new HashSet<>(replicas),
          "choosing a leader does not move replicas");
      leads.merge(replicas.get(0), 1, Integer::sum);
    }
    int most = leads.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    assertTrue(most <= (groups + nodeCount - 1) / nodeCount + 1,
        "a node leads " + most + " of " + groups + " groups: " + leads);
  }

  @Test
  void replicasSpreadOverNodes() {
    int groups = 240;
    List<String> ids = nodes(6);
    Map<String, Integer> holds = new HashMap<>();
    for (List<String> replicas : new PlacementRing(ids).placement(groups, 3)) {
      replicas.forEach(n -> holds.merge(n, 1, Integer::sum));
    }
    for (String id : ids) {
      int hold = holds.getOrDefault(id, 0);
      assertTrue(hold >= 0.7 * 3 * groups / ids.size() && hold <= 1.3 * 3 * groups / ids.size(),
          id + " holds " + hold);
    }
  }
}
