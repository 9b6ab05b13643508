package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.control.ReplicaPlanner.Situation;
import io.raftlimiter.server.control.ReplicaStep.DropStray;
import io.raftlimiter.server.control.ReplicaStep.Move;
import io.raftlimiter.server.control.ReplicaStep.Record;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplicaPlannerTest {
  private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");

  /** The index of the configurations the live groups hold in these tests. */
  private static final long CURRENT = 40;

  private static HostedReplica leader(String node, int group, long term, String... peers) {
    return new HostedReplica(node, group, true, term, CURRENT, Set.of(peers), Set.of());
  }

  private static HostedReplica follower(String node, int group, long term, String... peers) {
    return new HostedReplica(node, group, false, term, CURRENT, Set.of(peers), Set.of());
  }

  /** A copy left behind by an earlier configuration (index {@code index}). */
  private static HostedReplica stale(String node, int group, boolean leader, long term,
      long index, String... peers) {
    return new HostedReplica(node, group, leader, term, index, Set.of(peers), Set.of());
  }

  private static Situation oneGroup(List<String> members, Set<String> dead, List<String> recorded,
      HostedReplica... replicas) {
    return new Situation(1, 3, members, dead, Set.of(), Map.of(0, recorded), List.of(replicas));
  }

  @Test
  void aConfigurationTheMetadataMissedIsRecordedNotReformatted() {
    // The group went from {n1,n2,n3} to {n1,n2,n4}, and the controller died before recording it.
    // Planning from the record, the old controller "added" n4 again, wiping a voter's copy.
    Situation s = oneGroup(List.of("n1", "n2", "n3", "n4"), Set.of("n3"),
        List.of("n1", "n2", "n3"),
        leader("n4", 0, 7, "n1", "n2", "n4"),
        follower("n1", 0, 7, "n1", "n2", "n4"),
        follower("n2", 0, 7, "n1", "n2", "n4"));

    assertEquals(List.of(new Record(0, List.of("n1", "n2", "n4"))), ReplicaPlanner.plan(s));
  }

  @Test
  void aMoveFormatsOnlyNodesOutsideTheLeadersConfiguration() {
    Situation s = oneGroup(List.of("n1", "n2", "n3", "n4"), Set.of("n3"),
        List.of("n1", "n2", "n3"),
        leader("n1", 0, 3, "n1", "n2", "n3"),
        follower("n2", 0, 3, "n1", "n2", "n3"),
        stale("n4", 0, false, 1, 7, "n4", "n2", "n3")); // a copy from an earlier membership

    List<ReplicaStep> steps = ReplicaPlanner.plan(s);

    assertEquals(1, steps.size(), steps.toString());
    Move move = (Move) steps.get(0);
    assertEquals(Set.of("n1", "n2", "n4"), Set.copyOf(move.to()));
    assertEquals(List.of("n1", "n2", "n3"), move.from());
    assertEquals(List.of("n4"), move.format());
    assertEquals("n1", move.leader());
  }

  @Test
  void aLeaderOfCopiesLeftBehindIsNotBelievedWhateverItsTerm() {
    // n4 and n5 hold copies of an older configuration {n3,n4,n5} (index 12), were taken out
    // while down, and elected n5 among themselves: its term (15) is later than the live
    // leader's (9). Believing n5 would delete the live group's copies on n1 and n2.
    Situation s = new Situation(1, 3, FIVE, Set.of(), Set.of(),
        Map.of(0, List.of("n1", "n2", "n3")), List.of(
            stale("n5", 0, true, 15, 12, "n3", "n4", "n5"),
            stale("n4", 0, false, 15, 12, "n3", "n4", "n5"),
            leader("n1", 0, 9, "n1", "n2", "n3"),
            follower("n2", 0, 9, "n1", "n2", "n3"),
            follower("n3", 0, 9, "n1", "n2", "n3")));

    List<ReplicaStep> steps = ReplicaPlanner.plan(s);

    for (ReplicaStep step : steps) {
      if (step instanceof DropStray drop) {
        assertFalse(Set.of("n1", "n2", "n3").contains(drop.node()), steps.toString());
      }
      if (step instanceof Move move) {
        assertEquals(Set.of("n1", "n2", "n3"), Set.copyOf(move.from()), steps.toString());
      }
    }
  }

  @Test
  void withEveryRecordedReplicaSilentALeaderLeftBehindIsNotBelieved() {
    // The group lives on n1, n2, n3, all down; n4 and n5 hold copies of an older configuration
    // and elected n4. Nothing newer is in view, but nothing of the recorded group is either.
    Situation s = new Situation(1, 3, FIVE, Set.of("n1", "n2", "n3"), Set.of(),
        Map.of(0, List.of("n1", "n2", "n3")), List.of(
            stale("n4", 0, true, 30, 12, "n3", "n4", "n5"),
            stale("n5", 0, false, 30, 12, "n3", "n4", "n5")));

    assertEquals(List.of(), ReplicaPlanner.plan(s));
  }

  @Test
  void aMemberThatHasSeenALaterTermMakesTheLeaderUncertain() {
    Situation s = oneGroup(List.of("n1", "n2", "n3", "n4"), Set.of("n3"),
        List.of("n1", "n2", "n3"),
        leader("n1", 0, 3, "n1", "n2", "n3"),
        follower("n2", 0, 4, "n1", "n2", "n3"));

    assertEquals(List.of(), ReplicaPlanner.plan(s));
  }

  @Test
  void aGroupWhoseConfigurationIsChangingIsLeftAlone() {
    Situation s = oneGroup(List.of("n1", "n2", "n3", "n4"), Set.of("n3"),
        List.of("n1", "n2", "n3"),
        new HostedReplica("n1", 0, true, 3, CURRENT + 1, Set.of("n1", "n2", "n4"),
            Set.of("n1", "n2", "n3")),
        follower("n3", 0, 3, "n1", "n2", "n3"));

    assertEquals(List.of(), ReplicaPlanner.plan(s));
  }

  @Test
  void aStrayCopyIsDroppedOnceItsGroupIsWhereItBelongs() {
    List<String> members = List.of("n1", "n2", "n3", "n4");
    List<String> conf = new PlacementRing(members).placement(1, 3).get(0);
    String outside = members.stream().filter(n -> !conf.contains(n)).findFirst().orElseThrow();
    Situation s = new Situation(1, 3, members, Set.of(), Set.of(), Map.of(0, conf),
        List.of(leader(conf.get(0), 0, 3, conf.toArray(String[]::new)),
            stale(outside, 0, false, 2, 3, conf.get(0), conf.get(1), outside)));

    assertEquals(List.of(new DropStray(outside, 0)), ReplicaPlanner.plan(s));
  }

  @Test
  void withTooFewLiveNodesNothingMoves() {
    Situation s = oneGroup(List.of("n1", "n2", "n3"), Set.of("n3"), List.of("n1", "n2", "n3"),
        leader("n1", 0, 3, "n1", "n2", "n3"));

    assertEquals(List.of(), ReplicaPlanner.plan(s));
  }

  private static final int META = HostedReplica.METADATA;

  /** Every member answered the probe with its storage; {@code wiped} with a new one. */
  private static Map<String, String> reported(List<String> members, Set<String> silent,
      String... wiped) {
    Map<String, String> storage = new HashMap<>();
    for (String m : members) {
      if (!silent.contains(m)) {
        storage.put(m, List.of(wiped).contains(m) ? "new-" + m : "disk-" + m);
      }
    }
    return storage;
  }

  private static Map<String, String> recordedStorage(List<String> members) {
    Map<String, String> storage = new HashMap<>();
    members.forEach(m -> storage.put(m, "disk-" + m));
    return storage;
  }

  @Test
  void aMembersFirstStorageIsRecorded() {
    List<String> three = List.of("n1", "n2", "n3");
    Situation s = new Situation(1, 3, three, Set.of(), Set.of(), Map.of(0, three),
        List.of(leader("n1", 0, 3, "n1", "n2", "n3"), follower("n2", 0, 3, "n1", "n2", "n3"),
            follower("n3", 0, 3, "n1", "n2", "n3")),
        Map.of("n1", "disk-n1", "n2", "disk-n2"), reported(three, Set.of()));

    assertEquals(List.of(new ReplicaStep.RecordStorage("n3", "disk-n3")), ReplicaPlanner.plan(s));
  }

  /**
   * Item 7: n3 came back on an empty disk and hosts nothing. It is taken out first (with no spare
   * node the group shrinks to the two copies that hold its log), its new storage is recorded only
   * once no group counts it, and only then is it formatted, as a new replica.
   */
  @Test
  void aWipedMemberIsTakenOutBeforeItIsFormattedAgain() {
    List<String> three = List.of("n1", "n2", "n3");
    Map<String, String> reported = reported(three, Set.of(), "n3");
    Situation wiped = new Situation(1, 3, three, Set.of(), Set.of(), Map.of(0, three),
        List.of(leader("n1", 0, 3, "n1", "n2", "n3"), follower("n2", 0, 3, "n1", "n2", "n3")),
        recordedStorage(three), reported);
    assertEquals(List.of(new Move(0, three, List.of("n1", "n2"), List.of(), "n1")),
        ReplicaPlanner.plan(wiped));

    Situation out = new Situation(1, 3, three, Set.of(), Set.of(), Map.of(0, List.of("n1", "n2")),
        List.of(leader("n1", 0, 3, "n1", "n2"), follower("n2", 0, 3, "n1", "n2")),
        recordedStorage(three), reported);
    assertEquals(List.of(new ReplicaStep.RecordStorage("n3", "new-n3")), ReplicaPlanner.plan(out));

    Map<String, String> renewed = new HashMap<>(recordedStorage(three));
    renewed.put("n3", "new-n3");
    Situation accepted = new Situation(1, 3, three, Set.of(), Set.of(),
        Map.of(0, List.of("n1", "n2")),
        List.of(leader("n1", 0, 3, "n1", "n2"), follower("n2", 0, 3, "n1", "n2")),
        renewed, reported);
    List<ReplicaStep> steps = ReplicaPlanner.plan(accepted);
    assertEquals(1, steps.size(), steps.toString());
    assertEquals(List.of("n3"), ((Move) steps.get(0)).format());
  }

  /** A live member in the configuration that answers without a copy lost it: out, then back. */
  @Test
  void aLiveMemberWithoutItsCopyIsTakenOut() {
    List<String> three = List.of("n1", "n2", "n3");
    Situation s = new Situation(1, 3, three, Set.of(), Set.of(), Map.of(0, three),
        List.of(leader("n1", 0, 3, "n1", "n2", "n3"), follower("n2", 0, 3, "n1", "n2", "n3")),
        recordedStorage(three), reported(three, Set.of()));

    assertEquals(List.of(new Move(0, three, List.of("n1", "n2"), List.of(), "n1")),
        ReplicaPlanner.plan(s));
  }

  /**
   * A replica whose state machine threw is stopped by Ratis but still registered with its
   * server: its node reports it as failed, and it is taken out like a lost copy.
   */
  @Test
  void aFailedCopyIsTakenOutLikeALostOne() {
    List<String> three = List.of("n1", "n2", "n3");
    HostedReplica failed = new HostedReplica("n3", 0, false, 3, CURRENT,
        Set.of("n1", "n2", "n3"), Set.of(), true);
    Situation s = new Situation(1, 3, three, Set.of(), Set.of(), Map.of(0, three),
        List.of(leader("n1", 0, 3, "n1", "n2", "n3"), follower("n2", 0, 3, "n1", "n2", "n3"),
            failed),
        recordedStorage(three), reported(three, Set.of()));

    assertEquals(List.of(new Move(0, three, List.of("n1", "n2"), List.of(), "n1")),
        ReplicaPlanner.plan(s));
  }

  /** Once outside its group's configuration, a failed copy is dropped like any stray one. */
  @Test
  void aFailedCopyOutsideTheConfigurationIsDropped() {
    List<String> three = List.of("n1", "n2", "n3");
    HostedReplica failed = new HostedReplica("n3", 0, false, 3, CURRENT - 1,
        Set.of("n1", "n2", "n3"), Set.of(), true);
    Situation s = new Situation(1, 2, three, Set.of(), Set.of(), Map.of(0, List.of("n1", "n2")),
        List.of(leader("n1", 0, 4, "n1", "n2"), follower("n2", 0, 4, "n1", "n2"), failed),
        recordedStorage(three), reported(three, Set.of()));

    assertEquals(List.of(new DropStray("n3", 0)), ReplicaPlanner.plan(s));
  }

  /** Item 3: the metadata group leaves a dead replica for the first eligible member by id. */
  @Test
  void theMetadataGroupMovesOffADeadReplica() {
    List<String> five = List.of("n1", "n2", "n3", "n4", "n5", "n10");
    Situation s = new Situation(0, 3, five, Set.of("n3"), Set.of(),
        Map.of(META, List.of("n1", "n2", "n3")),
        List.of(new HostedReplica("n1", META, true, 4, CURRENT, Set.of("n1", "n2", "n3"),
                Set.of()),
            new HostedReplica("n2", META, false, 4, CURRENT, Set.of("n1", "n2", "n3"),
                Set.of())),
        recordedStorage(five), reported(five, Set.of("n3")));

    assertEquals(List.of(new Move(META, List.of("n1", "n2", "n3"), List.of("n1", "n2", "n4"),
        List.of("n4"), "n1")), ReplicaPlanner.plan(s));
  }

  /**
   * A group founded on one replica grows one new replica per move: two fresh replicas of three
   * could elect each other, empty, before the leader reached them.
   */
  @Test
  void aGroupGrowsOneNewReplicaAtATime() {
    List<String> three = List.of("n1", "n2", "n3");
    Situation single = new Situation(0, 3, three, Set.of(), Set.of(), Map.of(META, three),
        List.of(new HostedReplica("n1", META, true, 1, CURRENT, Set.of("n1"), Set.of())),
        recordedStorage(three), reported(three, Set.of()));
    // the metadata records the founding three; the group holds n1 alone: recorded first
    assertEquals(List.of(new Record(META, List.of("n1"))), ReplicaPlanner.plan(single));

    Situation recorded = new Situation(0, 3, three, Set.of(), Set.of(),
        Map.of(META, List.of("n1")),
        List.of(new HostedReplica("n1", META, true, 1, CURRENT, Set.of("n1"), Set.of())),
        recordedStorage(three), reported(three, Set.of()));
    assertEquals(List.of(new Move(META, List.of("n1"), List.of("n1", "n2"), List.of("n2"), "n1")),
        ReplicaPlanner.plan(recorded));

    Situation two = new Situation(0, 3, three, Set.of(), Set.of(),
        Map.of(META, List.of("n1", "n2")),
        List.of(new HostedReplica("n1", META, true, 1, CURRENT, Set.of("n1", "n2"), Set.of()),
            new HostedReplica("n2", META, false, 1, CURRENT, Set.of("n1", "n2"), Set.of())),
        recordedStorage(three), reported(three, Set.of()));
    assertEquals(List.of(new Move(META, List.of("n1", "n2"), List.of("n1", "n2", "n3"),
        List.of("n3"), "n1")), ReplicaPlanner.plan(two));
  }

  @Test
  void theMetadataGroupLeavesADrainedReplicaOnlyForAnotherNode() {
    List<String> four = List.of("n1", "n2", "n3", "n4");
    List<HostedReplica> copies = List.of(
        new HostedReplica("n1", META, true, 4, CURRENT, Set.of("n1", "n2", "n3"), Set.of()),
        new HostedReplica("n2", META, false, 4, CURRENT, Set.of("n1", "n2", "n3"), Set.of()),
        new HostedReplica("n3", META, false, 4, CURRENT, Set.of("n1", "n2", "n3"), Set.of()));
    Situation s = new Situation(0, 3, four, Set.of(), Set.of("n1"),
        Map.of(META, List.of("n1", "n2", "n3")), copies, recordedStorage(four),
        reported(four, Set.of()));
    assertEquals(List.of(new Move(META, List.of("n1", "n2", "n3"), List.of("n2", "n3", "n4"),
        List.of("n4"), "n1")), ReplicaPlanner.plan(s));

    List<String> three = List.of("n1", "n2", "n3");
    Situation noSpare = new Situation(0, 3, three, Set.of(), Set.of("n1"),
        Map.of(META, three), copies, recordedStorage(three), reported(three, Set.of()));
    assertEquals(List.of(), ReplicaPlanner.plan(noSpare));
  }

  /**
   * Generated situations: each group has a true configuration and a leader in the latest term;
   * around them, dead nodes, members mid-election, changes in progress, a metadata record one
   * change behind with the copy that change took out, and copies left behind earlier on other
   * nodes, some of them leaders of their own with earlier or later terms (copies left behind
   * together can elect one); the metadata group among them; and a member back on an empty disk,
   * hosting nothing under a new storage id. Whatever the planner does, it never formats or
   * deletes a member of a group's true configuration, never formats the wiped member, moves a
   * group only from its true configuration, and records the wiped member's new storage only once
   * no true configuration counts it.
   */
  @Test
  void neverWipesAVoterInGeneratedSituations() {
    Random random = new Random(2026);
    int steps = 0;
    for (int scenario = 0; scenario < 20_000; scenario++) {
      int nodes = 3 + random.nextInt(6);
      List<String> members = new ArrayList<>();
      for (int i = 1; i <= nodes; i++) {
        members.add("n" + i);
      }
      int groups = 1 + random.nextInt(6);
      Set<String> dead = new HashSet<>();
      for (String m : members) {
        if (random.nextInt(5) == 0) {
          dead.add(m);
        }
      }
      String wiped = random.nextInt(4) == 0 ? members.get(random.nextInt(nodes)) : null;
      if (wiped != null) {
        dead.remove(wiped);
      }
      Map<Integer, Set<String>> truth = new HashMap<>();
      Map<Integer, List<String>> recorded = new HashMap<>();
      List<HostedReplica> reports = new ArrayList<>();
      for (int g = META; g < groups; g++) {
        Set<String> conf = pick(random, members, 3);
        truth.put(g, conf);
        long term = 5 + random.nextInt(5);
        long index = 100 + random.nextInt(100);
        // The configuration before: one member swapped. The metadata may still record it (a
        // controller died between the change and recording it); the member taken out may
        // still hold its copy of it.
        List<String> outside = members.stream().filter(n -> !conf.contains(n)).toList();
        Set<String> previous = conf;
        String swappedOut = null;
        if (!outside.isEmpty()) {
          swappedOut = outside.get(random.nextInt(outside.size()));
          List<String> before = new ArrayList<>(conf);
          before.set(random.nextInt(before.size()), swappedOut);
          previous = Set.copyOf(before);
        }
        long previousIndex = index - 1 - random.nextInt(10);
        recorded.put(g, List.copyOf(random.nextBoolean() ? conf : previous));
        List<String> live = conf.stream().filter(n -> !dead.contains(n)).toList();
        boolean electing = random.nextInt(6) == 0;
        boolean changing = random.nextInt(6) == 0;
        for (String n : live) {
          if (electing) {
            reports.add(new HostedReplica(n, g, false, term + 1, index, conf, Set.of()));
            continue;
          }
          boolean leads = n.equals(live.get(0));
          Set<String> old = changing && leads ? pick(random, members, 3) : Set.of();
          reports.add(new HostedReplica(n, g, leads, term, index, conf, old));
        }
        if (swappedOut != null && !dead.contains(swappedOut) && random.nextBoolean()) {
          reports.add(new HostedReplica(swappedOut, g, false, term - random.nextInt(2),
              previousIndex, previous, Set.of()));
        }
        for (String n : members) { // copies left behind earlier, some leaders of their own
          if (!conf.contains(n) && !n.equals(swappedOut) && !dead.contains(n)
              && random.nextInt(3) == 0) {
            reports.add(new HostedReplica(n, g, random.nextBoolean(), random.nextInt(20),
                random.nextInt((int) previousIndex), pick(random, members, 3), Set.of()));
          }
        }
      }
      if (wiped != null) {
        String node = wiped;
        reports.removeIf(r -> r.node().equals(node));
      }
      Map<String, String> reportedStorage = new HashMap<>();
      for (String m : members) {
        if (!dead.contains(m)) {
          reportedStorage.put(m, m.equals(wiped) ? "new-" + m : "disk-" + m);
        }
      }
      Situation s = new Situation(groups, 3, members, dead, Set.of(), recorded, reports,
          recordedStorage(members), reportedStorage);
      for (ReplicaStep step : ReplicaPlanner.plan(s)) {
        steps++;
        if (step instanceof Move move) {
          Set<String> conf = truth.get(move.group());
          assertEquals(conf, Set.copyOf(move.from()), s.toString());
          for (String formatted : move.format()) {
            assertFalse(conf.contains(formatted), formatted + " wiped: " + s);
          }
          assertTrue(move.to().containsAll(move.format()));
          assertTrue(move.format().size() <= 1, "more than one new replica at once: " + move);
          assertFalse(dead.stream().anyMatch(move.to()::contains), s.toString());
          assertFalse(wiped != null && move.format().contains(wiped),
              wiped + " formatted while counted: " + s);
        } else if (step instanceof DropStray drop) {
          assertFalse(truth.get(drop.group()).contains(drop.node()), drop + " wiped: " + s);
        } else if (step instanceof Record record) {
          assertEquals(truth.get(record.group()), Set.copyOf(record.replicas()), s.toString());
        } else if (step instanceof ReplicaStep.RecordStorage storage) {
          assertEquals(wiped, storage.node(), s.toString());
          assertTrue(truth.values().stream().noneMatch(conf -> conf.contains(storage.node())),
              storage + " while a group counts it: " + s);
        }
      }
    }
    assertTrue(steps > 10_000, "the scenarios exercise the planner: " + steps + " steps");
  }

  private static Set<String> pick(Random random, List<String> from, int count) {
    List<String> shuffled = new ArrayList<>(from);
    Collections.shuffle(shuffled, random);
    return Set.copyOf(shuffled.subList(0, Math.min(count, shuffled.size())));
  }
}
