package io.raftlimiter.server.control;

import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.data.ClusterGroups;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 *
 * <p>The metadata group is planned like a data group, as group {@link HostedReplica#METADATA}:
 * it keeps {@link ClusterGroups#META_REPLICAS} replicas, and a dead, drained or wiped one is replaced by
 * the first eligible member in {@link NodeIdOrder}. It moves before any data group, since the
 * controller and every record depend on it.
 *
 * <p>A member that reports a storage id other than the one recorded restarted on an empty disk:
 * every replica it had is gone, though configurations still count it. It is never formatted
 * while any configuration does ({@link ReplicaStep.Move#format()} excludes it, and it is not
 * eligible), it is taken out of each group that still counts it, and only then is its new
 * storage recorded; from there it is an empty member like a new one, and the ring fills it.
 */
public final class ReplicaPlanner {
  /**
   * One tick's view of the cluster.
   *
   * @param replication the replication factor the cluster's shape asks for
   * @param members every member, in the metadata's order
   * @param recorded each group's replicas as the metadata records them (groups never moved: as
   *     the founding members' ring placed them), the metadata group's under
   *     {@link HostedReplica#METADATA}
   * @param replicas what every node that answered the probe reported about each replica it hosts
   * @param recordedStorage each member's storage id as the metadata records it
   * @param reportedStorage the storage id of every node that answered the probe (empty when it
   *     reported none): the nodes in it that report no copy of a group have none
   */
  public record Situation(int groups, int replication, Collection<String> members,
      Set<String> dead, Set<String> leaving, Map<Integer, List<String>> recorded,
      List<HostedReplica> replicas, Map<String, String> recordedStorage,
      Map<String, String> reportedStorage) {

    public Situation {
      // sorted, so that steps drawn from them come in the same order for the same situation
      recordedStorage = Collections.unmodifiableSortedMap(new TreeMap<>(recordedStorage));
      reportedStorage = Collections.unmodifiableSortedMap(new TreeMap<>(reportedStorage));
    }

    /** A situation with no storage ids known, as before any node reported one. */
    public Situation(int groups, int replication, Collection<String> members, Set<String> dead,
        Set<String> leaving, Map<Integer, List<String>> recorded, List<HostedReplica> replicas) {
      this(groups, replication, members, dead, leaving, recorded, replicas, Map.of(), Map.of());
    }

    /** The metadata group first, then the data groups by index. */
    List<Integer> allGroups() {
      List<Integer> all = new ArrayList<>(groups + 1);
      if (recorded.containsKey(HostedReplica.METADATA)) {
        all.add(HostedReplica.METADATA);
      }
      for (int g = 0; g < groups; g++) {
        all.add(g);
      }
      return all;
    }

    /**
     * Members that came back on an empty disk: they report a storage id other than the recorded
     * one, so none of the replicas recorded for them exists any more.
     */
    Set<String> wiped() {
      Set<String> wiped = new TreeSet<>();
      reportedStorage.forEach((node, id) -> {
        String known = recordedStorage.get(node);
        if (known != null && !id.isEmpty() && !known.equals(id) && members.contains(node)) {
          wiped.add(node);
        }
      });
      return wiped;
    }
  }

  private ReplicaPlanner() {}

  /**
   * The steps to take now: the facts to record if the metadata lags behind any (configurations,
   * new members' storage), else at most one move (one group at a time bounds the snapshot
   * traffic), else the stray copies to delete, else the new storage of wiped members that no
   * configuration counts any more. Empty when every group is where it belongs.
   */
  public static List<ReplicaStep> plan(Situation situation) {
    Map<Integer, HostedReplica> settled =
        settledLeaders(situation.replicas(), situation.recorded());
    List<ReplicaStep> records = new ArrayList<>();
    for (int g : situation.allGroups()) {
      HostedReplica leader = settled.get(g);
      List<String> recorded = situation.recorded().getOrDefault(g, List.of());
      if (leader != null && !leader.peers().equals(Set.copyOf(recorded))
          && situation.members().containsAll(leader.peers())) {
        records.add(new ReplicaStep.Record(g, inOrder(leader.peers(), recorded)));
      }
    }
    situation.reportedStorage().forEach((node, id) -> {
      if (!id.isEmpty() && situation.members().contains(node)
          && !situation.recordedStorage().containsKey(node)) {
        records.add(new ReplicaStep.RecordStorage(node, id));
      }
    });
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
    if (!drops.isEmpty()) {
      return drops;
    }
    return renewedStorage(situation, settled);
  }

  /**
   * The new storage of each wiped member that no group counts any more and that hosts no copy:
   * recorded, it becomes an ordinary empty member. Every group must have a settled leader to
   * tell: one that has none may still count the member.
   */
  private static List<ReplicaStep> renewedStorage(Situation situation,
      Map<Integer, HostedReplica> settled) {
    List<ReplicaStep> renewed = new ArrayList<>();
    for (String node : situation.wiped()) {
      boolean counted = situation.replicas().stream().anyMatch(c -> c.node().equals(node));
      for (int g : situation.allGroups()) {
        HostedReplica leader = settled.get(g);
        counted |= leader == null || leader.peers().contains(node);
      }
      if (!counted) {
        renewed.add(new ReplicaStep.RecordStorage(node, situation.reportedStorage().get(node)));
      }
    }
    return renewed;
  }

  /** The first group, the metadata group first, whose configuration is not where it belongs. */
  private static ReplicaStep move(Situation situation, Map<Integer, HostedReplica> settled) {
    Set<String> wiped = situation.wiped();
    List<String> eligible = new ArrayList<>(situation.members());
    eligible.removeAll(situation.dead());
    eligible.removeAll(situation.leaving());
    eligible.removeAll(wiped);
    HostedReplica metadataLeader = settled.get(HostedReplica.METADATA);
    if (metadataLeader != null) {
      ReplicaStep move = moveMetadata(situation, metadataLeader, eligible,
          lostCopies(situation, metadataLeader, wiped));
      if (move != null) {
        return move;
      }
    }
    int replication = Math.min(situation.replication(), situation.members().size());
    List<List<String>> desired = eligible.size() < replication ? null
        : new PlacementRing(eligible).placement(situation.groups(), replication);
    for (int g = 0; g < situation.groups(); g++) {
      HostedReplica leader = settled.get(g);
      if (leader == null) {
        continue; // no certain leader: its configuration cannot be changed or trusted
      }
      // With no spare node a dead replica stays, and catches up when its node returns. A lost
      // copy never will, and its node would count towards the majority while it caught up: it
      // goes first, and comes back formatted in a later move.
      Set<String> lost = lostCopies(situation, leader, wiped);
      List<String> target = (desired != null ? desired.get(g)
          : inOrder(leader.peers(), situation.recorded().getOrDefault(g, List.of())))
          .stream().filter(n -> !lost.contains(n)).toList();
      if (!target.isEmpty() && !leader.peers().equals(Set.copyOf(target))) {
        ReplicaStep.Move move = move(g, leader, target, situation, lost);
        if (move != null) {
          return move;
        }
      }
    }
    return null;
  }

  /**
   * The members of {@code leader}'s configuration whose copy is gone: wiped members, live ones
   * that answered the probe without a copy of the group (a node stopped between making its
   * storage and formatting its replicas, or a replica deleted by hand), and those whose copy has
   * failed (its state machine threw, and Ratis stopped it).
   */
  private static Set<String> lostCopies(Situation situation, HostedReplica leader,
      Set<String> wiped) {
    Set<String> lost = new TreeSet<>();
    for (String node : leader.peers()) {
      boolean answered = situation.reportedStorage().containsKey(node);
      boolean hosts = situation.replicas().stream()
          .anyMatch(c -> c.group() == leader.group() && c.node().equals(node) && !c.failed());
      if (wiped.contains(node) || (answered && !hosts)) {
        lost.add(node);
      }
    }
    return lost;
  }

  /**
   * The metadata group keeps its live replicas and replaces the others by eligible members in
   * id order; a dead or drained replica with no replacement stays, a lost copy goes regardless.
   */
  private static ReplicaStep moveMetadata(Situation situation, HostedReplica leader,
      List<String> eligible, Set<String> lost) {
    List<String> current = inOrder(leader.peers(),
        situation.recorded().getOrDefault(HostedReplica.METADATA, List.of()));
    int wanted = Math.min(ClusterGroups.META_REPLICAS, situation.members().size());
    List<String> target = new ArrayList<>(
        current.stream().filter(n -> eligible.contains(n) && !lost.contains(n)).toList());
    eligible.stream().filter(n -> !current.contains(n)).sorted(NodeIdOrder.INSTANCE)
        .limit(Math.max(0, wanted - target.size())).forEach(target::add);
    for (String kept : current) {
      if (target.size() < wanted && !target.contains(kept) && !lost.contains(kept)) {
        target.add(kept);
      }
    }
    if (target.isEmpty() || leader.peers().equals(Set.copyOf(target))) {
      return null;
    }
    return move(HostedReplica.METADATA, leader, target, situation, lost);
  }

  /**
   * The move of {@code group} from its leader's configuration towards {@code target}, with at
   * most one new replica; null when a majority of that configuration is dead or lost its copy,
   * since the change could not commit (it needs a majority of the old configuration and of the
   * new one) and would only hold up the controller until it timed out.
   *
   * <p>One new replica at a time: freshly formatted replicas start empty with the new
   * configuration, and two of them in a configuration of three could elect one another before
   * the leader reached them, a leader without the group's log. (Ratis refuses such a change
   * anyway, as a "majority add".) A target with more new nodes is reached over several moves:
   * this one keeps, in their place, members it would have taken out, so the group stays at size.
   */
  private static ReplicaStep.Move move(int group, HostedReplica leader, List<String> target,
      Situation situation, Set<String> lost) {
    long holding = leader.peers().stream()
        .filter(n -> !lost.contains(n) && !situation.dead().contains(n)).count();
    if (holding <= leader.peers().size() / 2) {
      return null;
    }
    List<String> from = inOrder(leader.peers(), situation.recorded().getOrDefault(group, List.of()));
    List<String> added = target.stream().filter(n -> !leader.peers().contains(n)).toList();
    List<String> to = new ArrayList<>(target);
    if (added.size() > 1) {
      to.removeAll(added.subList(1, added.size()));
      for (String kept : from) {
        if (to.size() < target.size() && !to.contains(kept) && !lost.contains(kept)
            && !situation.dead().contains(kept)) {
          to.add(kept);
        }
      }
    }
    List<String> format = added.isEmpty() ? List.of() : List.of(added.get(0));
    if (leader.peers().equals(Set.copyOf(to))) {
      return null;
    }
    return new ReplicaStep.Move(group, from, to, format, leader.node());
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
