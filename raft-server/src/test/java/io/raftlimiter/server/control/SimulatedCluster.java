package io.raftlimiter.server.control;

import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.data.ClusterGroups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A cluster's control plane in memory, driven tick by tick by {@link ReplicaPlanner} through a
 * simulated actuator, with faults drawn from a seeded {@link Random}: nodes killed, revived,
 * wiped (back on an empty disk), cut off from the controller, replicas failed, nodes joining and
 * drained, elections, and a controller that dies between changing a configuration and recording
 * it.
 *
 * <p>It keeps the truth the planner only sees through probes: each group's configuration, which
 * nodes hold its data, its leader. Every step the planner takes is checked against that truth
 * before it is carried out ({@link #violations}):
 * <ul>
 *   <li>a move never formats a voter of the group's configuration;
 *   <li>a move never leaves a majority of the new configuration that does not hold the group's
 *       data (formatted or lost copies): every majority must meet a node that holds it;
 *   <li>a stray copy deleted is never a voter's.
 * </ul>
 * A destructive fault (a node killed, wiped, cut off, a replica failed) strikes only a settled
 * cluster: one on top of a repair under way could take a group's majority, which no planner
 * can undo. Joins, drains, elections and controller deaths strike at any time.
 */
final class SimulatedCluster {
  /** One node's copy of a group: the configuration it holds, and whether it stopped. */
  private record Copy(long configurationIndex, Set<String> peers, long term, boolean failed) {}

  private static final class Node {
    boolean alive = true;
    boolean reachable = true;
    String storage;
    final Map<Integer, Copy> copies = new TreeMap<>();

    Node(String storage) {
      this.storage = storage;
    }
  }

  /** A group as Raft holds it. */
  private static final class Group {
    Set<String> config;
    long index = 1;
    long term = 1;
    String leader;

    Group(Set<String> config) {
      this.config = config;
    }
  }

  private final Random random;
  private final int groupCount;
  private final int replication;
  private final Map<String, Node> nodes = new TreeMap<>(NodeIdOrder.INSTANCE);
  private final List<String> members = new ArrayList<>();
  private final Set<String> leaving = new TreeSet<>();
  private final Map<Integer, List<String>> recorded = new TreeMap<>();
  private final Map<String, String> recordedStorage = new TreeMap<>();
  private final Map<Integer, Group> groups = new TreeMap<>();
  private final List<String> violations = new ArrayList<>();
  private final List<String> history = new ArrayList<>();
  private final Map<String, Integer> counts = new TreeMap<>();
  private int nextNode;
  private int storages;
  private int tick;

  SimulatedCluster(long seed, int nodeCount, int groupCount, int replication) {
    this.random = new Random(seed);
    this.groupCount = groupCount;
    this.replication = replication;
    for (int i = 0; i < nodeCount; i++) {
      String id = newNode();
      members.add(id);
      recordedStorage.put(id, nodes.get(id).storage);
    }
    List<String> founders = new ArrayList<>(members);
    founders.sort(NodeIdOrder.INSTANCE);
    found(HostedReplica.METADATA,
        founders.subList(0, Math.min(ClusterGroups.META_REPLICAS, founders.size())));
    List<List<String>> placement = new PlacementRing(members)
        .placement(groupCount, Math.min(replication, members.size()));
    for (int g = 0; g < groupCount; g++) {
      found(g, placement.get(g));
    }
  }

  private String newNode() {
    String id = "n" + (++nextNode);
    nodes.put(id, new Node(id + "-s" + (storages++)));
    return id;
  }

  private void found(int group, List<String> replicas) {
    Group founded = new Group(new TreeSet<>(replicas));
    groups.put(group, founded);
    recorded.put(group, List.copyOf(replicas));
    for (String node : replicas) {
      nodes.get(node).copies.put(group, new Copy(founded.index, founded.config, 1, false));
    }
  }

  List<String> violations() {
    return violations;
  }

  /** What happened, tick by tick: to read when a seed fails. */
  String history() {
    return String.join("\n", history);
  }

  /** One tick: elections, then one round of the controller, then (if asked) one fault. */
  void tick(boolean faults) {
    tick++;
    elect();
    carryOut(ReplicaPlanner.plan(situation()), faults);
    if (faults && random.nextInt(3) == 0) {
      fault();
    }
  }

  /** Every node back and reachable, as when the faults stop. */
  void heal() {
    for (Map.Entry<String, Node> node : nodes.entrySet()) {
      if (!node.getValue().alive || !node.getValue().reachable) {
        node.getValue().alive = true;
        node.getValue().reachable = true;
        log("heal " + node.getKey());
      }
    }
  }

  /** Why the cluster is not where it belongs yet; empty once it is. */
  List<String> unsettled() {
    List<String> why = new ArrayList<>();
    List<ReplicaStep> steps = ReplicaPlanner.plan(situation());
    if (!steps.isEmpty()) {
      why.add("the planner still has steps: " + steps);
    }
    List<String> eligible = eligible();
    int wanted = Math.min(replication, members.size());
    if (eligible.size() >= wanted) {
      List<List<String>> placement = new PlacementRing(eligible).placement(groupCount, wanted);
      for (int g = 0; g < groupCount; g++) {
        if (!groups.get(g).config.equals(new TreeSet<>(placement.get(g)))) {
          why.add("group " + g + " is on " + groups.get(g).config + ", not " + placement.get(g));
        }
      }
    }
    Set<String> metadata = groups.get(HostedReplica.METADATA).config;
    int metadataWanted = Math.min(ClusterGroups.META_REPLICAS, members.size());
    if (eligible.size() >= metadataWanted
        && (metadata.size() != metadataWanted || !eligible.containsAll(metadata))) {
      why.add("the metadata group is on " + metadata);
    }
    groups.forEach((g, group) -> {
      if (!Set.copyOf(recorded.get(g)).equals(group.config)) {
        why.add("group " + g + " is recorded on " + recorded.get(g) + ", runs on "
            + group.config);
      }
      for (String voter : group.config) {
        if (!holds(voter, g)) {
          why.add(voter + " is a voter of group " + g + " without its data");
        }
      }
    });
    nodes.forEach((id, node) -> node.copies.keySet().forEach(g -> {
      if (!groups.get(g).config.contains(id)) {
        why.add(id + " keeps a stray copy of group " + g);
      }
    }));
    return why;
  }

  private List<String> eligible() {
    List<String> eligible = new ArrayList<>();
    for (String member : members) {
      if (!leaving.contains(member) && nodes.get(member).alive && nodes.get(member).reachable) {
        eligible.add(member);
      }
    }
    return eligible;
  }

  /** Whether {@code node} holds group {@code group}'s data (alive or not: a disk outlives a crash). */
  private boolean holds(String node, int group) {
    Copy copy = nodes.get(node).copies.get(group);
    return copy != null && !copy.failed();
  }

  /** Each group keeps its leader while it can; else a holder that a majority can elect. */
  private void elect() {
    groups.forEach((g, group) -> {
      List<String> candidates = new ArrayList<>();
      for (String voter : group.config) {
        if (nodes.get(voter).alive && holds(voter, g)) {
          candidates.add(voter);
        }
      }
      if (candidates.size() <= group.config.size() / 2) {
        group.leader = null; // no majority: no leader, and nothing commits
        return;
      }
      boolean reelect = random.nextInt(40) == 0; // a leader lost to a slow heartbeat
      if (group.leader == null || !candidates.contains(group.leader) || reelect) {
        group.leader = candidates.get(random.nextInt(candidates.size()));
        group.term++;
      }
      for (String voter : candidates) { // live voters follow the leader's log
        nodes.get(voter).copies.put(g, new Copy(group.index, group.config, group.term, false));
      }
    });
  }

  private ReplicaPlanner.Situation situation() {
    Set<String> dead = new TreeSet<>();
    List<HostedReplica> replicas = new ArrayList<>();
    Map<String, String> reportedStorage = new TreeMap<>();
    for (String member : members) {
      Node node = nodes.get(member);
      if (!node.alive || !node.reachable) {
        dead.add(member);
      }
    }
    nodes.forEach((id, node) -> {
      if (!node.alive || !node.reachable) {
        return;
      }
      reportedStorage.put(id, node.storage);
      node.copies.forEach((g, copy) -> replicas.add(new HostedReplica(id, g,
          id.equals(groups.get(g).leader) && !copy.failed(), copy.term(),
          copy.configurationIndex(), copy.peers(), Set.of(), copy.failed())));
    });
    return new ReplicaPlanner.Situation(groupCount, replication, List.copyOf(members), dead,
        Set.copyOf(leaving), new TreeMap<>(recorded), replicas, recordedStorage, reportedStorage);
  }

  private void carryOut(List<ReplicaStep> steps, boolean faults) {
    for (ReplicaStep step : steps) {
      note(step.getClass().getSimpleName(), "step " + step);
      if (step instanceof ReplicaStep.Record record) {
        if (!Set.copyOf(record.replicas()).equals(groups.get(record.group()).config)) {
          violate("recorded " + record + " while the group runs on "
              + groups.get(record.group()).config);
        }
        recorded.put(record.group(), record.replicas());
      } else if (step instanceof ReplicaStep.RecordStorage storage) {
        recordedStorage.put(storage.node(), storage.storageId());
      } else if (step instanceof ReplicaStep.Move move) {
        move(move, faults);
      } else if (step instanceof ReplicaStep.DropStray drop) {
        if (groups.get(drop.group()).config.contains(drop.node())) {
          violate("deleted the copy of voter " + drop.node() + " of group " + drop.group()
              + " " + groups.get(drop.group()).config);
        }
        nodes.get(drop.node()).copies.remove(drop.group());
      }
    }
  }

  private void move(ReplicaStep.Move move, boolean faults) {
    Group group = groups.get(move.group());
    Set<String> to = new TreeSet<>(move.to());
    for (String formatted : move.format()) {
      if (group.config.contains(formatted)) {
        violate("formatted " + formatted + ", a voter of group " + move.group() + " "
            + group.config);
      }
    }
    int holders = 0;
    for (String node : to) {
      if (group.config.contains(node) && holds(node, move.group())
          && !move.format().contains(node)) {
        holders++;
      }
    }
    int majority = to.size() / 2 + 1;
    if (to.isEmpty() || holders <= to.size() - majority) {
      violate("moved group " + move.group() + " from " + group.config + " to " + to
          + ": only " + holders + " of the new voters hold its data");
    }
    // The change commits only through the leader, with a majority of the old configuration.
    if (group.leader == null || !group.leader.equals(move.leader())
        || !Set.copyOf(move.from()).equals(group.config)) {
      log("  refused: the group's leader or configuration is not the move's");
      return;
    }
    long acking = group.config.stream()
        .filter(n -> nodes.get(n).alive && holds(n, move.group())).count();
    if (acking <= group.config.size() / 2) {
      log("  timed out: no majority of " + group.config);
      return;
    }
    for (String formatted : move.format()) {
      if (nodes.get(formatted).alive && nodes.get(formatted).reachable) {
        nodes.get(formatted).copies.put(move.group(), new Copy(0, Set.of(), 0, false));
      }
    }
    group.config = to;
    group.index++;
    if (!to.contains(group.leader)) {
      group.leader = null; // hands over; the next tick elects among the new voters
    }
    for (String voter : to) {
      Copy copy = nodes.get(voter).copies.get(move.group());
      if (nodes.get(voter).alive && copy != null && !copy.failed()) {
        nodes.get(voter).copies.put(move.group(),
            new Copy(group.index, group.config, group.term, false));
      }
    }
    if (faults && random.nextInt(8) == 0) {
      note("controller died", "  the controller died before recording the move");
      return;
    }
    recorded.put(move.group(), List.copyOf(move.to()));
  }

  /** One fault, maybe: a destructive one only on a settled cluster. */
  private void fault() {
    List<String> ids = new ArrayList<>(nodes.keySet());
    String node = ids.get(random.nextInt(ids.size()));
    Node chosen = nodes.get(node);
    // Only a settled cluster takes a destructive fault: one on top of a repair under way (a
    // group still short of a replica) could take a group's majority, which no planner undoes.
    int kind = random.nextInt(9);
    boolean healthy = (kind == 0 || kind == 3 || kind == 4 || kind == 5) && unsettled().isEmpty();
    switch (kind) {
      case 0 -> {
        if (healthy && chosen.alive) {
          chosen.alive = false;
          note("kill", "fault: kill " + node);
        }
      }
      case 1, 2 -> heal();
      case 3 -> {
        if (healthy) {
          chosen.alive = true;
          chosen.reachable = true;
          chosen.copies.clear();
          chosen.storage = node + "-s" + (storages++);
          note("wipe", "fault: " + node + " back on an empty disk");
        }
      }
      case 4 -> {
        if (healthy && chosen.alive) {
          chosen.reachable = false;
          note("cut off", "fault: " + node + " cut off from the controller");
        }
      }
      case 5 -> {
        if (healthy && !chosen.copies.isEmpty()) {
          int g = new ArrayList<>(chosen.copies.keySet())
              .get(random.nextInt(chosen.copies.size()));
          Copy copy = chosen.copies.get(g);
          chosen.copies.put(g, new Copy(copy.configurationIndex(), copy.peers(), copy.term(),
              true));
          note("replica failed", "fault: " + node + "'s replica of group " + g + " failed");
        }
      }
      case 6 -> {
        if (members.size() < 9) {
          String joined = newNode();
          members.add(joined);
          note("join", "fault: " + joined + " joins");
        }
      }
      case 7 -> {
        if (members.contains(node) && !leaving.contains(node)
            && members.size() - leaving.size() > Math.max(replication, 3)) {
          leaving.add(node);
          note("drain", "fault: " + node + " drained");
        }
      }
      default -> {
        Group group = groups.get(random.nextInt(groupCount + 1) - 1);
        if (group.leader != null) {
          group.leader = null;
          note("election", "fault: an election");
        }
      }
    }
  }

  private void violate(String what) {
    violations.add("tick " + tick + ": " + what);
  }

  private void log(String what) {
    history.add(tick + " " + what);
  }

  /** Counts one event of {@code kind} (a fault or a step taken), and logs it. */
  private void note(String kind, String what) {
    counts.merge(kind, 1, Integer::sum);
    log(what);
  }

  /** How many of each fault and step the run had: a simulation that does nothing proves nothing. */
  Map<String, Integer> counts() {
    return counts;
  }

  /** The groups' configurations, for a failure's message. */
  Map<Integer, Set<String>> configurations() {
    Map<Integer, Set<String>> configs = new LinkedHashMap<>();
    groups.forEach((g, group) -> configs.put(g, group.config));
    return configs;
  }
}
