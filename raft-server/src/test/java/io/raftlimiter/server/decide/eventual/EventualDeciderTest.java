package io.raftlimiter.server.decide.eventual;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.server.data.GroupRouter;
import io.raftlimiter.server.decide.LocalDecision;
import io.raftlimiter.server.decide.SingleGroupRouter;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decider's memory bound (a cap on views that never drops a hit owed to a group), its syncs
 * (one charge batch, or one submit, per group) and its idleness (no timer work while nothing is
 * used). The sync tests run with charge batches and with an op per charge.
 */
class EventualDeciderTest {
  private static final BucketLimit LIMIT = BucketLimit.of(100, 1);

  /** A group that answers every op at once, counting what it was asked. */
  private static final class CountingGroup extends SingleGroupRouter {
    final AtomicLong acquires = new AtomicLong();
    final AtomicLong chargedHits = new AtomicLong();
    /** The size of each submitAll, in order. */
    final List<Integer> batches = java.util.Collections.synchronizedList(new ArrayList<>());
    /** The charges of each proposed charge batch, in order. */
    final List<Integer> proposed = java.util.Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<Decision> submit(int group, BucketOp op) {
      if (op.kind() == OpKind.CHARGE) {
        chargedHits.addAndGet(op.permits());
      } else {
        acquires.incrementAndGet();
      }
      return CompletableFuture.completedFuture(new Decision(true, 50, 0));
    }

    @Override
    public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops) {
      batches.add(ops.size());
      return super.submitAll(group, ops);
    }

    @Override
    public CompletableFuture<List<Decision>> propose(int group, LogEntry entry) {
      assertTrue(entry.isChargeBatch(), "only charge batches are proposed");
      proposed.add(entry.ops().size());
      List<Decision> decisions = new ArrayList<>();
      entry.ops().forEach(op -> decisions.add(submit(group, op).join()));
      return CompletableFuture.completedFuture(decisions);
    }
  }

  private static BucketOp op(int key) {
    return BucketOp.of("key-" + key, 1, LIMIT);
  }

  @Test
  void beyondTheCapANewKeyIsDecidedByItsGroupAndRoomIsMadeWithoutDroppingOwedHits()
      throws Exception {
    CountingGroup group = new CountingGroup();
    NodeMetrics metrics = new NodeMetrics();
    EventualDecider decider =
        new EventualDecider(group, 10, 4_096, 60_000, 10, 1L << 30, true, metrics);
    long allowed = 0;
    try {
      for (int key = 0; key < 10; key++) {
        CompletableFuture<Decision> decided = decider.decide(op(key));
        assertTrue(LocalDecision.isLocal(decided), "decided from the node's view");
        allowed += decided.join().allowed() ? 1 : 0;
      }
      assertEquals(10, decider.views());
      CompletableFuture<Decision> overflowed = decider.decide(op(10));
      assertFalse(LocalDecision.isLocal(overflowed), "decided by its group");
      allowed += overflowed.join().allowed() ? 1 : 0;
      assertEquals(1, group.acquires.get(), "the eleventh key went to its group");
      assertEquals(1, metrics.count("raftlimiter_eventual_view_overflows"));

      // Once the first ten keys' hits are charged, their views owe nothing and can make room:
      // key 10 then gets a view of its own instead of going to the group.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      boolean local = false;
      while (!local && System.nanoTime() < deadline) {
        Thread.sleep(10);
        long before = group.acquires.get();
        allowed += decider.decide(op(10)).join().allowed() ? 1 : 0;
        local = group.acquires.get() == before;
      }
      assertTrue(local, "room was made for key 10");
      assertTrue(decider.views() <= 10, "never more views than the cap: " + decider.views());
    } finally {
      decider.close(); // charges what is still owed
    }
    assertEquals(allowed - group.acquires.get(), group.chargedHits.get(),
        "every hit admitted from a view was charged, evicted views' included");
  }

  /** Long keys reach the bound in bytes long before the bound in views. */
  @Test
  void viewsAreBoundedInBytesToo() throws Exception {
    CountingGroup group = new CountingGroup();
    String longKey = "k".repeat(BucketOp.MAX_KEY_BYTES - 4);
    long perView = EventualDecider.viewBytes(java.nio.ByteBuffer.wrap(
        (longKey + "0000").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    EventualDecider decider = new EventualDecider(group, 10, 4_096, 60_000, 1_000_000,
        10 * perView, true, new NodeMetrics());
    try {
      for (int key = 0; key < 10; key++) {
        decider.decide(BucketOp.of(longKey + String.format("%04d", key), 1, LIMIT)).join();
      }
      assertEquals(10, decider.views());
      assertEquals(0, group.acquires.get());
      decider.decide(BucketOp.of(longKey + "9999", 1, LIMIT)).join();
      assertEquals(1, group.acquires.get(), "the eleventh long key went to its group");
      assertEquals(10, decider.views());
    } finally {
      decider.close();
    }
  }

  private static void awaitCharged(CountingGroup group, long hits) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (group.chargedHits.get() < hits && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(hits, group.chargedHits.get());
  }

  @ParameterizedTest(name = "charge batches {0}")
  @ValueSource(booleans = {true, false})
  void aSyncHandsEachGroupItsChargesTogether(boolean chargeBatches) throws Exception {
    CountingGroup group = new CountingGroup();
    EventualDecider decider =
        new EventualDecider(group, 1_000, 4_096, 60_000, 1_000, 1L << 30, chargeBatches,
            new NodeMetrics());
    try {
      for (int key = 0; key < 5; key++) {
        assertTrue(decider.decide(op(key)).join().allowed());
      }
      awaitCharged(group, 5);
      if (chargeBatches) {
        assertEquals(List.of(5), group.proposed, "one batch of five charges, not five of one");
        assertEquals(List.of(), group.batches, "and no op of its own");
      } else {
        assertEquals(List.of(5), group.batches, "one submit of five charges, not five of one");
      }
    } finally {
      decider.close();
    }
  }

  /**
   * A sync that would charge fewer keys than its minimum waits, up to the held interval; once the
   * keys are there, it goes at the interval.
   */
  @Test
  void aLightSyncIsHeldBackUntilItsKeysAreThereOrItsHeldIntervalIsOver() throws Exception {
    CountingGroup group = new CountingGroup();
    long heldNanos = TimeUnit.SECONDS.toNanos(3);
    EventualDecider decider = new EventualDecider(group, 10, 4, 3_000, 4_096, 60_000, 1_000,
        1L << 30, true, new NodeMetrics());
    try {
      long start = System.nanoTime();
      decider.decide(op(0)).join();
      Thread.sleep(300); // thirty intervals
      if (System.nanoTime() - start < heldNanos) {
        assertEquals(0, group.chargedHits.get(), "one key waits for three more");
      }
      for (int key = 1; key < 4; key++) {
        decider.decide(op(key)).join();
      }
      long fourth = System.nanoTime();
      awaitCharged(group, 4);
      assertTrue(System.nanoTime() - fourth < heldNanos,
          "four keys are charged without waiting the held interval out");
      decider.decide(op(9)).join();
      awaitCharged(group, 5); // alone again: charged once the held interval is over
    } finally {
      decider.close();
    }
  }

  @Test
  void anIdleDeciderLeavesItsSyncThreadAsleep() throws Exception {
    CountingGroup group = new CountingGroup();
    EventualDecider decider =
        new EventualDecider(group, 10, 4_096, 60_000, 1_000, 1L << 30, true,
            new NodeMetrics());
    try {
      decider.decide(op(1)).join();
      awaitCharged(group, 1);
      Thread.sleep(300); // thirty intervals with nothing used
      assertTrue(decider.scheduledSyncs() <= 2,
          "a sync per use, not per interval: " + decider.scheduledSyncs());
      decider.decide(op(2)).join();
      awaitCharged(group, 2); // used again: synced again
    } finally {
      decider.close();
    }
  }

  /**
   * Groups that apply a charge, or a charge batch, once per id, as the state machine does, and
   * whose first answer to each is lost after applying it; group 1 can be held so that it never
   * answers.
   */
  private static final class LossyGroups implements GroupRouter {
    final java.util.Map<String, Decision> appliedById = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLong appliedHits = new AtomicLong();
    final java.util.Set<String> answeredOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    volatile boolean loseFirstAnswers;
    volatile boolean holdGroupOne;

    @Override
    public int groupOf(byte[] key) {
      return new String(key).startsWith("slow") ? 1 : 0;
    }

    @Override
    public boolean leads(int group) {
      return true;
    }

    @Override
    public CompletableFuture<Decision> submit(int group, BucketOp op) {
      return submitAll(group, List.of(op)).get(0);
    }

    @Override
    public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops) {
      List<CompletableFuture<Decision>> decided = new ArrayList<>();
      for (BucketOp op : ops) {
        if (group == 1 && holdGroupOne) {
          decided.add(new CompletableFuture<>()); // never answers
          continue;
        }
        String id = op.hasId() ? java.util.HexFormat.of().formatHex(op.id())
            : "no id " + java.util.UUID.randomUUID(); // nothing to know it again by
        Decision decision = appliedById.computeIfAbsent(id, i -> {
          appliedHits.addAndGet(op.permits());
          return new Decision(true, 50, 0);
        });
        decided.add(loseFirstAnswers && answeredOnce.add(id)
            ? CompletableFuture.failedFuture(
                new io.raftlimiter.server.data.commit.GroupUnavailableException("answer lost", null))
            : CompletableFuture.completedFuture(decision));
      }
      return decided;
    }

    @Override
    public CompletableFuture<List<Decision>> propose(int group, LogEntry entry) {
      if (group == 1 && holdGroupOne) {
        return new CompletableFuture<>(); // never answers
      }
      assertTrue(entry.isChargeBatch());
      entry.ops().forEach(op -> assertTrue(!op.hasId(), "the batch's id covers its charges"));
      String id = java.util.HexFormat.of().formatHex(entry.batchId()) + entry.ops();
      List<Decision> decisions = new ArrayList<>();
      boolean first = !appliedById.containsKey(id);
      for (BucketOp op : entry.ops()) {
        if (first) {
          appliedHits.addAndGet(op.permits());
        }
        decisions.add(new Decision(true, 50, 0));
      }
      appliedById.putIfAbsent(id, new Decision(true, 50, 0));
      return loseFirstAnswers && answeredOnce.add(id)
          ? CompletableFuture.failedFuture(
              new io.raftlimiter.server.data.commit.GroupUnavailableException("answer lost", null))
          : CompletableFuture.completedFuture(decisions);
    }
  }

  private static EventualDecider syncingEvery10Ms(GroupRouter groups, boolean chargeBatches) {
    return new EventualDecider(groups, 10, 4_096, 60_000, 1_000, 1L << 30, chargeBatches,
        new NodeMetrics());
  }

  /**
   * A charge whose answer was lost after its group applied it is sent again under its id, so the
   * group takes its hits once. Without ids the resend took them again, and the debt refused the
   * key in every mode.
   */
  @ParameterizedTest(name = "charge batches {0}")
  @ValueSource(booleans = {true, false})
  void aChargeWhoseAnswerWasLostIsAppliedOnce(boolean chargeBatches) throws Exception {
    LossyGroups groups = new LossyGroups();
    groups.loseFirstAnswers = true;
    EventualDecider decider = syncingEvery10Ms(groups, chargeBatches);
    try {
      for (int i = 0; i < 7; i++) {
        assertTrue(decider.decide(op(1)).join().allowed());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (decider.owedHits() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(0, decider.owedHits(), "acknowledged by the resend");
      assertEquals(7, groups.appliedHits.get(), "seven hits admitted, seven taken");
    } finally {
      decider.close();
    }
  }

  /** A group that does not answer holds back its own keys' syncs, not every group's. */
  @ParameterizedTest(name = "charge batches {0}")
  @ValueSource(booleans = {true, false})
  void aSlowGroupDoesNotHoldBackTheOthers(boolean chargeBatches) throws Exception {
    LossyGroups groups = new LossyGroups();
    groups.holdGroupOne = true;
    EventualDecider decider = syncingEvery10Ms(groups, chargeBatches);
    try {
      assertTrue(decider.decide(BucketOp.of("slow-key", 1, LIMIT)).join().allowed());
      for (int round = 1; round <= 3; round++) {
        assertTrue(decider.decide(op(round)).join().allowed());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (groups.appliedHits.get() < round && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        assertEquals(round, groups.appliedHits.get(),
            "group 0's hits of round " + round + " charged while group 1 is silent");
      }
      assertEquals(1, decider.owedHits(), "only the silent group's hit is still owed");
    } finally {
      decider.abandon();
    }
  }
}
