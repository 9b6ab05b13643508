package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterMetadataTest {
  private static final BucketLimit LIMIT = BucketLimit.of(1000, 200);
  private static final ClusterShape SHAPE =
      new ClusterShape(List.of("n1=127.0.0.1:1:2", "n2=127.0.0.1:3:4"), 8, 2);

  @Test
  void rulesAreSetReplacedAndRemovedAndEachChangeIsVersionedByItsIndex() {
    ClusterMetadata m = ClusterMetadata.EMPTY;
    m = applied(m, new MetaCommand.SetRule("tenant-42:", LIMIT), 5);
    assertEquals(5, m.version());
    assertEquals(Map.of("tenant-42:", LIMIT), m.rules().asMap());

    BucketLimit other = BucketLimit.of(7, 0.5);
    m = applied(m, new MetaCommand.SetRule("tenant-42:", other), 9);
    assertEquals(Map.of("tenant-42:", other), m.rules().asMap(), "set replaces");
    assertEquals(9, m.version());

    m = applied(m, new MetaCommand.RemoveRule("tenant-42:"), 12);
    assertTrue(m.rules().isEmpty());
    assertEquals(12, m.version());
  }

  @Test
  void refusedCommandsChangeNothing() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.SetRule("a", LIMIT), 1);
    MetaReply missing = m.apply(new MetaCommand.RemoveRule("b"), 2);
    assertTrue(missing.refused());
    assertTrue(missing.refusal().contains("no rule for prefix \"b\""), missing.refusal());
    assertSame(m, missing.metadata());

    MetaReply tooLong = m.apply(new MetaCommand.SetRule("x".repeat(513), LIMIT), 3);
    assertTrue(tooLong.refusal().contains("513 UTF-8 bytes"), tooLong.refusal());
    assertSame(m, tooLong.metadata());
  }

  @Test
  void theFirstShapeIsKeptAndADifferentOneRefused() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    assertEquals(SHAPE, m.shape());
    MetaReply same = m.apply(new MetaCommand.RecordShape(SHAPE), 2);
    assertFalse(same.refused());
    assertEquals(1, same.metadata().version(), "recording the same shape again is no change");
    ClusterShape other = new ClusterShape(SHAPE.members(), 12, 2);
    MetaReply different = m.apply(new MetaCommand.RecordShape(other), 3);
    assertTrue(different.refused());
    assertEquals(SHAPE, different.metadata().shape());
  }

  @Test
  void membersAreMarkedDeadAndAliveAndGroupsMoved() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    assertEquals(List.of("n1", "n2"), m.memberIds());
    m = applied(m, new MetaCommand.MarkDead("n2", true), 2);
    assertEquals(Set.of("n2"), m.membership().dead());
    MetaReply again = m.apply(new MetaCommand.MarkDead("n2", true), 3);
    assertSame(m, again.metadata(), "marking a dead node dead again is no change");
    m = applied(m, new MetaCommand.SetReplicas(5, List.of("n1")), 4);
    assertEquals(Map.of(5, List.of("n1")), m.membership().replicas());
    m = applied(m, new MetaCommand.MarkDead("n2", false), 5);
    assertTrue(m.membership().dead().isEmpty());
    assertEquals(m, MetaCodec.decodeMetadata(MetaCodec.encode(m)));

    assertTrue(m.apply(new MetaCommand.MarkDead("n9", true), 6).refused(), "not a member");
    assertTrue(m.apply(new MetaCommand.SetReplicas(8, List.of("n1")), 6).refused(), "no group 8");
    assertTrue(m.apply(new MetaCommand.SetReplicas(1, List.of("n1", "n1")), 6).refused());
    assertTrue(m.apply(new MetaCommand.SetReplicas(1, List.of()), 6).refused());
    assertTrue(m.apply(new MetaCommand.SetReplicas(1, List.of("n7")), 6).refused());
  }

  @Test
  void theMetadataGroupsReplicasAndMembersStorageAreRecorded() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    assertEquals(List.of("n2", "n1"), m.metadataReplicas(Comparator.reverseOrder(), 3),
        "never moved: the founding members in the order given");
    m = applied(m, new MetaCommand.SetMetadataReplicas(List.of("n2")), 2);
    assertEquals(List.of("n2"), m.metadataReplicas(Comparator.naturalOrder(), 3));
    m = applied(m, new MetaCommand.RecordStorage("n1", "disk-a"), 3);
    assertSame(m, m.apply(new MetaCommand.RecordStorage("n1", "disk-a"), 4).metadata());
    m = applied(m, new MetaCommand.RecordStorage("n1", "disk-b"), 4);
    assertEquals(Map.of("n1", "disk-b"), m.membership().storageIds());
    MetaCommand[] commands = {new MetaCommand.SetMetadataReplicas(List.of("n1", "n2")),
        new MetaCommand.RecordStorage("n2", "disk-c")};
    for (MetaCommand command : commands) {
      assertEquals(command, MetaCodec.decodeCommand(MetaCodec.encode(command)));
    }
    assertEquals(m, MetaCodec.decodeMetadata(MetaCodec.encode(m)));

    assertTrue(m.apply(new MetaCommand.SetMetadataReplicas(List.of("n7")), 5).refused());
    assertTrue(m.apply(new MetaCommand.SetMetadataReplicas(List.of()), 5).refused());
    assertTrue(m.apply(new MetaCommand.RecordStorage("n7", "x"), 5).refused(), "not a member");
    assertTrue(m.apply(new MetaCommand.RecordStorage("n1", ""), 5).refused());
    assertTrue(m.apply(new MetaCommand.RecordStorage("n1", "x".repeat(65)), 5).refused());
    m = applied(m, new MetaCommand.SetLeaving("n2", true), 5);
    assertTrue(m.apply(new MetaCommand.RemoveMember("n2"), 6).refused(),
        "n2 still holds the metadata group's only replica");
  }

  /** Metadata written before the metadata replicas and storage ids were recorded still reads. */
  @Test
  void metadataFromBeforeStorageIdsDecodesWithNone() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    byte[] current = MetaCodec.encode(m);
    // the older form: the same bytes without the two trailing sections (an empty list, an empty
    // map: four bytes each)
    byte[] older = Arrays.copyOf(current, current.length - 8);
    assertEquals(m, MetaCodec.decodeMetadata(older));
  }

  /** Rules in shadow mode: set, enforced again, removed; recorded in snapshots and commands. */
  @Test
  void aRuleInShadowModeIsRecordedAndCanBeEnforcedLater() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.SetRule("trial:", LIMIT,
        true), 1);
    m = applied(m, new MetaCommand.SetRule("kept:", LIMIT), 2);
    assertEquals(Set.of("trial:"), m.rules().shadowedPrefixes());
    assertTrue(m.rules().ruleFor("trial:k".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .shadow());
    assertFalse(m.rules().ruleFor("kept:k".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .shadow());
    assertEquals(m, MetaCodec.decodeMetadata(MetaCodec.encode(m)));
    for (boolean shadow : new boolean[] {true, false}) {
      MetaCommand command = new MetaCommand.SetRule("p", LIMIT, shadow);
      assertEquals(command, MetaCodec.decodeCommand(MetaCodec.encode(command)));
    }
    // without shadow rules the metadata is written as the build before wrote it, so that
    // build's nodes read it: nothing follows the storage ids
    ClusterMetadata enforced = applied(ClusterMetadata.EMPTY, new MetaCommand.SetRule("kept:",
        LIMIT), 1);
    byte[] withShadow = MetaCodec.encode(applied(enforced, new MetaCommand.SetRule("t:", LIMIT,
        true), 2));
    byte[] withoutShadow = MetaCodec.encode(applied(enforced, new MetaCommand.SetRule("t:",
        LIMIT), 2));
    assertEquals(withoutShadow.length + 4 + 4 + 2, withShadow.length,
        "a list of one two-byte prefix (length, string length, bytes) and nothing else");

    m = applied(m, new MetaCommand.SetRule("trial:", LIMIT), 3);
    assertTrue(m.rules().shadowedPrefixes().isEmpty(), "set again without shadow: enforced");
    m = applied(m, new MetaCommand.SetRule("trial:", LIMIT, true), 4);
    m = applied(m, new MetaCommand.RemoveRule("trial:"), 5);
    assertTrue(m.rules().shadowedPrefixes().isEmpty(), "removed with its rule");
  }

  /** Replicas fed the same log reach the same metadata, whatever the commands. */
  @Test
  void theSameLogGivesTheSameMetadata() {
    Random random = new Random(7);
    List<MetaCommand> log = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      String prefix = "p" + random.nextInt(50);
      log.add(random.nextInt(3) == 0 ? new MetaCommand.RemoveRule(prefix)
          : new MetaCommand.SetRule(prefix, BucketLimit.of(1 + random.nextInt(100), 1)));
    }
    ClusterMetadata a = ClusterMetadata.EMPTY;
    ClusterMetadata b = ClusterMetadata.EMPTY;
    for (int i = 0; i < log.size(); i++) {
      a = a.apply(log.get(i), i + 1).metadata();
      // the second replica sees every entry as its bytes, as a follower would
      b = b.apply(MetaCodec.decodeCommand(MetaCodec.encode(log.get(i))), i + 1).metadata();
    }
    assertEquals(a, b);
    assertEquals(MetaCodec.decodeMetadata(MetaCodec.encode(a)), b);
  }

  @Test
  void codecsRoundTripAndRefuseGarbage() {
    ClusterMetadata m = applied(applied(ClusterMetadata.EMPTY,
        new MetaCommand.RecordShape(SHAPE), 1), new MetaCommand.SetRule("été:", LIMIT), 2);
    assertEquals(m, MetaCodec.decodeMetadata(MetaCodec.encode(m)));
    MetaReply reply = MetaCodec.decodeReply(MetaCodec.encodeReply("why not", m));
    assertEquals(new MetaReply("why not", m), reply);
    assertEquals(new MetaReply(null, m), MetaCodec.decodeReply(MetaCodec.encodeReply(null, m)));

    byte[] command = MetaCodec.encode(new MetaCommand.SetRule("p", LIMIT));
    for (int cut = 0; cut < command.length; cut++) {
      byte[] truncated = Arrays.copyOf(command, cut);
      assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeCommand(truncated));
    }
    byte[] longer = Arrays.copyOf(command, command.length + 1);
    assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeCommand(longer));
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      byte[] garbage = new byte[random.nextInt(40)];
      random.nextBytes(garbage);
      try {
        MetaCodec.decodeCommand(garbage);
      } catch (IllegalArgumentException expected) {
        // refused cleanly; anything else fails the test
      }
    }
  }

  /**
   * A member that is not {@code id=host:raftPort:clientPort} is refused: recorded, it made every
   * node that reads the member list fail (a listener's exception escaped apply and stopped every
   * replica of the metadata group on replay).
   */
  @Test
  void aMemberThatIsNotAValidSpecIsRefused() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    for (String bad : List.of("n3", "n3=host", "n3=host:1:99999", "n3=host:0:5", "=h:1:2",
        "n3=ho st:1:2", "")) {
      MetaReply outcome = m.apply(new MetaCommand.AddMember(bad), 2);
      assertTrue(outcome.refused(), bad);
      assertEquals(m, outcome.metadata(), bad + " changed nothing");
    }
    assertEquals(3, applied(m, new MetaCommand.AddMember("n3=10.0.0.3:7105:7106"), 2)
        .members().size());
  }

  /**
   * A controller's commands carry the metadata term it led in. One that reaches its successor is
   * logged in a later term and refused: a deposed controller, acting on what it saw before, could
   * otherwise record replicas its successor has since moved.
   */
  @Test
  void aFencedCommandAppliesOnlyInTheTermItWasIssuedIn() {
    ClusterMetadata m = applied(ClusterMetadata.EMPTY, new MetaCommand.RecordShape(SHAPE), 1);
    MetaCommand fenced = new MetaCommand.Fenced(4,
        new MetaCommand.SetReplicas(0, List.of("n2", "n1")));

    MetaReply inItsTerm = m.apply(fenced, 4, 2);
    assertFalse(inItsTerm.refused(), inItsTerm.refusal());
    assertEquals(List.of("n2", "n1"), inItsTerm.metadata().membership().replicas().get(0));

    MetaReply later = m.apply(fenced, 5, 2);
    assertTrue(later.refused());
    assertTrue(later.refusal().contains("term 4"), later.refusal());
    assertEquals(m, later.metadata(), "refused: nothing changed");

    assertEquals(fenced, MetaCodec.decodeCommand(MetaCodec.encode(fenced)));
    assertThrows(IllegalArgumentException.class, () -> new MetaCommand.Fenced(4, fenced));
    byte[] encoded = MetaCodec.encode(fenced);
    for (int cut = 0; cut < encoded.length; cut++) {
      byte[] truncated = Arrays.copyOf(encoded, cut);
      assertThrows(IllegalArgumentException.class, () -> MetaCodec.decodeCommand(truncated));
    }
  }

  private static ClusterMetadata applied(ClusterMetadata m, MetaCommand command, long index) {
    MetaReply outcome = m.apply(command, index);
    assertFalse(outcome.refused(), outcome.refusal());
    return outcome.metadata();
  }
}
