package io.raftlimiter.server.control;

import io.raftlimiter.routing.PlacementRing;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides what the replica controller does next, from what one tick saw: the members and their
 * states (from the metadata), where the metadata records each group, and what every live node
 * reported about the replicas it hosts. Pure: no clocks, no I/O, the same steps for the same
 * situation.
 *
 * <p>The group's own configuration, as its current leader reports it, is the truth about who
 * replicates it; the metadata's record can lag behind it (a controller that died, or timed out,
 * between changing a configuration and recording it). Planning from the record instead once let
 * a move "add" a node that was already a voter, and adding meant wiping its copy first. So:
 * <ul>
 *   <li>a group whose leader is not known for certain ({@link #settledLeaders}), or whose
 *       configuration is changing, is left alone;
 *   <li>a configuration the metadata does not record is recorded before anything moves;
 *   <li>a move starts from the leader's configuration and formats only nodes outside it;
 *   <li>a copy is deleted only from a node outside its group's settled configuration.
 * </ul>
 */
public final class ReplicaPlanner {

  /**
   * One tick's view of the cluster.
   *
   * @param replication the replication factor the cluster's shape asks for
   * @param members every member, in the metadata's order
   * @param recorded each group's replicas as the metadata records them (groups never moved: as
   *     the founding members' ring placed them)
   * @param replicas what every node that answered the probe reported about each replica it hosts
   */
  public record Situation(int groups, int replication, Collection<String> members,
      Set<String> dead, Set<String> leaving, Map<Integer, List<String>> recorded,
      List<HostedReplica> replicas) {}

  private ReplicaPlanner() {}

  /**
   * The steps to take now: the configurations to record if the metadata lags behind any, else at
   * most one move (one group at a time bounds the snapshot traffic), else the stray copies to
   * delete. Empty when every group is where it belongs.
   */
  public static List<ReplicaStep> plan(Situation situation) {
    Map<Integer, HostedReplica> settled =
        settledLeaders(situation.replicas(), situation.recorded());
    List<ReplicaStep> records = new ArrayList<>();
    for (int g = 0; g < situation.groups(); g++) {
      HostedReplica leader = settled.get(g);
      List<String> recorded = situation.recorded().getOrDefault(g, List.of());
      if (leader != null && !leader.peers().equals(Set.copyOf(recorded))
          && situation.members().containsAll(leader.peers())) {
        records.add(new ReplicaStep.Record(g, inOrder(leader.peers(), recorded)));
      }
    }
    if (!records.isEmpty()) {
      return records;
    }
    ReplicaStep move = move(situation, settled);
    if (move != null) {
      return List.of(move);
    }
    List<ReplicaStep> drops = new ArrayList<>();
    for (HostedReplica copy : situation.replicas()) {
      HostedReplica leader = settled.get(copy.group());
      if (leader != null && !leader.peers().contains(copy.node())) {
        drops.add(new ReplicaStep.DropStray(copy.node(), copy.group()));
      }
    }
    return drops;
  }

  /** The first group whose configuration differs from the ring's placement among live nodes. */
  private static ReplicaStep move(Situation situation, Map<Integer, HostedReplica> settled) {
    List<String> eligible = new ArrayList<>(situation.members());
    eligible.removeAll(situation.dead());
    eligible.removeAll(situation.leaving());
    int replication = Math.min(situation.replication(), situation.members().size());
    if (eligible.size() < replication) {
      return null; // no spare node: a dead replica stays and catches up when its node returns
    }
    List<List<String>> desired =
        new PlacementRing(eligible).placement(situation.groups(), replication);
    for (int g = 0; g < situation.groups(); g++) {
      HostedReplica leader = settled.get(g);
      if (leader == null) {
        continue; // no certain leader: its configuration cannot be changed or trusted
      }
      List<String> target = desired.get(g);
      if (!leader.peers().equals(Set.copyOf(target))) {
        List<String> format = target.stream().filter(n -> !leader.peers().contains(n)).toList();
        List<String> from = inOrder(leader.peers(), situation.recorded().getOrDefault(g, List.of()));
        return new ReplicaStep.Move(g, from, target, format, leader.node());
      }
    }
    return null;
  }

  /**
   * Each group's leader whose report can be trusted, by group.
   *
   * <p>Copies of a group that were taken out of it (on a node that was down, or formatted for a
   * move that never happened) keep an older configuration, and enough of them together can elect
   * a leader of their own, even one with a later term. Acting on its configuration would delete
   * the live group's replicas. What tells them apart: every change of the live group's
   * configuration is a later entry of its log, and the metadata records each change (at worst one
   * behind, until a {@link ReplicaStep.Record}). So a leader is trusted only if
   * <ul>
   *   <li>it holds the latest configuration any copy of the group reports (by log index);
   *   <li>some live node of the recorded replicas reports a copy, so the live group is in view
   *       (with all of them silent, a leader left behind would hold the latest configuration in
   *       view);
   *   <li>it is the only such leader in the latest term, and no member of its configuration has
   *       seen a later one (an election under way, or a successor not heard of yet);
   *   <li>its configuration is not in the middle of a change.
   * </ul>
   */
  static Map<Integer, HostedReplica> settledLeaders(List<HostedReplica> replicas,
      Map<Integer, List<String>> recorded) {
    Map<Integer, Long> latestIndex = new HashMap<>();
    Set<Integer> inView = new TreeSet<>();
    for (HostedReplica copy : replicas) {
      latestIndex.merge(copy.group(), copy.configurationIndex(), Math::max);
      if (recorded.getOrDefault(copy.group(), List.of()).contains(copy.node())) {
        inView.add(copy.group());
      }
    }
    Map<Integer, HostedReplica> best = new HashMap<>();
    Set<Integer> contested = new TreeSet<>();
    for (HostedReplica copy : replicas) {
      if (!copy.leader() || copy.configurationIndex() < latestIndex.get(copy.group())) {
        continue;
      }
      HostedReplica seen = best.get(copy.group());
      if (seen == null || copy.term() > seen.term()) {
        best.put(copy.group(), copy);
        contested.remove(copy.group());
      } else if (copy.term() == seen.term()) {
        contested.add(copy.group());
      }
    }
    contested.forEach(best::remove);
    best.keySet().retainAll(inView);
    for (HostedReplica copy : replicas) {
      HostedReplica leader = best.get(copy.group());
      if (leader != null && leader.peers().contains(copy.node()) && copy.term() > leader.term()) {
        best.remove(copy.group());
      }
    }
    best.values().removeIf(HostedReplica::changing);
    return best;
  }

  /** {@code nodes} in the order {@code preferred} gives them, the others after, sorted. */
  private static List<String> inOrder(Set<String> nodes, List<String> preferred) {
    Set<String> ordered = new LinkedHashSet<>();
    preferred.stream().filter(nodes::contains).forEach(ordered::add);
    ordered.addAll(new TreeSet<>(nodes));
    return List.copyOf(ordered);
  }
}
