package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.MalformedEntryException;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.store.InMemoryBucketStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Ops with ids are applied once: a repeat within the window is answered from the first. */
class IdempotentApplyTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final BucketLimit ONE = BucketLimit.of(1, 0.001); // a token every 1,000 s

  private static BucketOp acquire(String key, String id) {
    return BucketOp.of(key, 1, ONE).withId(id.getBytes(StandardCharsets.UTF_8));
  }

  private long index;

  private Decision apply(EntryApplier applier, long stamp, BucketOp op) {
    return applier.apply(new LogEntry(stamp, List.of(op)), 1, ++index).get(0);
  }

  @Test
  void aRetriedAcquireIsAnsweredFromItsFirstOutcomeAndChargesNothing() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());

    assertTrue(apply(applier, T0, acquire("k", "r1")).allowed());
    // the same request again (its first answer was lost): still allowed, nothing taken
    assertTrue(apply(applier, T0 + SECOND, acquire("k", "r1")).allowed());
    // another request finds the bucket as the first one left it: empty
    assertFalse(apply(applier, T0 + 2 * SECOND, acquire("k", "r2")).allowed());
    // and without ids, nothing is remembered
    assertFalse(apply(applier, T0 + 3 * SECOND, BucketOp.of("k", 1, ONE)).allowed());
  }

  private static LogEntry chargeBatch(String id, long stamp, long... hitsPerKey) {
    BucketLimit ten = BucketLimit.of(10, 0.001);
    List<BucketOp> charges = new ArrayList<>();
    for (int key = 0; key < hitsPerKey.length; key++) {
      charges.add(new BucketOp(("k" + key).getBytes(StandardCharsets.UTF_8), hitsPerKey[key],
          ten, OpKind.CHARGE));
    }
    return LogEntry.chargeBatch(id.getBytes(StandardCharsets.UTF_8), charges).withStamp(stamp);
  }

  /**
   * A charge batch sent again (its answer lost) is answered with its buckets as they are and
   * charges nothing; one record remembers it, whatever its size.
   */
  @Test
  void aRepeatedChargeBatchIsAppliedOnceAndAnsweredWithTheBucketsAsTheyAre() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    List<Decision> first = applier.apply(chargeBatch("s1", T0, 3, 4), 1, ++index);
    assertEquals(List.of(7L, 6L), first.stream().map(Decision::remaining).toList());
    assertEquals(1, applier.recentOps().size(), "one record for the batch");
    // another node's charge of k0 meanwhile
    applier.apply(chargeBatch("s2", T0 + SECOND, 2), 1, ++index);

    List<Decision> again = applier.apply(chargeBatch("s1", T0 + 2 * SECOND, 3, 4), 1, ++index);
    assertEquals(List.of(5L, 6L), again.stream().map(Decision::remaining).toList(),
        "the buckets now, s1 not taken again");
    assertTrue(again.stream().allMatch(Decision::replayed));
    // the same id with other charges is another batch: applied
    List<Decision> other = applier.apply(chargeBatch("s1", T0 + 3 * SECOND, 1, 1), 1, ++index);
    assertEquals(List.of(4L, 5L), other.stream().map(Decision::remaining).toList());
    assertFalse(other.get(0).replayed());
  }

  @Test
  void aRepeatInTheSameEntryIsAppliedOnce() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    List<Decision> decisions = applier.apply(new LogEntry(T0, List.of(
        acquire("k", "r1"), acquire("k", "r1"), acquire("k", "r2"))), 1, 1);

    assertEquals(List.of(true, true, false), decisions.stream().map(Decision::allowed).toList());
  }

  @Test
  void theSameIdOnAnotherKeyIsAnotherOp() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());

    assertTrue(apply(applier, T0, acquire("a", "r1")).allowed());
    assertTrue(apply(applier, T0, acquire("b", "r1")).allowed());
    assertFalse(apply(applier, T0, acquire("b", "r2")).allowed());
  }

  @Test
  void anOutcomeIsForgottenOnceItsWindowHasPassed() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    BucketLimit fast = BucketLimit.of(1, 1); // refills in a second

    assertTrue(apply(applier, T0, BucketOp.of("k", 1, fast).withId(new byte[] {1})).allowed());
    apply(applier, T0 + RecentOps.WINDOW_NANOS - 1, BucketOp.of("other", 1, fast));
    assertEquals(1, applier.recentOps().size());
    apply(applier, T0 + RecentOps.WINDOW_NANOS, BucketOp.of("other", 1, fast));
    assertEquals(0, applier.recentOps().size());
    // past the window the same id is a new op: charged (the bucket has refilled by then)
    assertTrue(apply(applier, T0 + RecentOps.WINDOW_NANOS, BucketOp.of("k", 1, fast)
        .withId(new byte[] {1})).allowed());
    assertFalse(apply(applier, T0 + RecentOps.WINDOW_NANOS, BucketOp.of("k", 1, fast)
        .withId(new byte[] {2})).allowed());
  }

  @Test
  void aResentReturnGivesItsTokensBackOnce() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    BucketLimit ten = BucketLimit.of(10, 0.001);
    // a lease from before lease terms: its tokens left the bucket uncounted, as an acquire's do
    BucketOp taken = BucketOp.of("k", 10, ten);
    assertTrue(apply(applier, T0, taken).allowed());
    BucketOp giveBack = taken.as(OpKind.RETURN, 4).withId(new byte[] {9});

    apply(applier, T0, giveBack);
    apply(applier, T0, giveBack); // the resend of one whose answer was lost

    List<Decision> takes = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      takes.add(apply(applier, T0, BucketOp.of("k", 1, ten)));
    }
    assertEquals(4, takes.stream().filter(Decision::allowed).count());
  }

  @Test
  void theTableSurvivesEncodingExactly() {
    SplittableRandom rnd = new SplittableRandom(5);
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    for (int i = 0; i < 500; i++) {
      byte[] id = new byte[1 + rnd.nextInt(BucketOp.MAX_ID_BYTES)];
      rnd.nextBytes(id);
      apply(applier, T0 + i * 1_000_000L,
          BucketOp.of("key-" + rnd.nextInt(20), 1, BucketLimit.of(3, 1)).withId(id));
    }
    byte[] encoded = applier.recentOps().encode();
    RecentOps decoded = RecentOps.decode(encoded);

    assertEquals(500, decoded.size());
    assertEquals(List.of(encoded.length), List.of(decoded.encode().length));
    assertTrue(java.util.Arrays.equals(encoded, decoded.encode()));
    assertEquals(0, RecentOps.decode(null).size());
    byte[] truncated = java.util.Arrays.copyOf(encoded, encoded.length - 1);
    assertThrows(MalformedEntryException.class, () -> RecentOps.decode(truncated));
  }

  @Test
  void aReplicaBuiltFromTheSavedTableAnswersRetriesLikeTheOriginal() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier first = new EntryApplier(store);
    assertTrue(apply(first, T0, acquire("k", "r1")).allowed());
    store.saveRecentOps(first.recentOps().encode());

    EntryApplier restored = new EntryApplier(store, RecentOps.decode(store.savedRecentOps()));

    assertTrue(apply(restored, T0 + SECOND, acquire("k", "r1")).allowed());
    assertFalse(apply(restored, T0 + SECOND, acquire("k", "r2")).allowed());
    assertNull(new RecentOps().recall(acquire("k", "r1")));
  }

  /**
   * Callers choose the length of keys and ids and how many distinct ids they send; the table's
   * memory and its snapshot do not follow either.
   */
  @Test
  void theTableIsBoundedWhateverTheCallersSend() {
    RecentOps table = new RecentOps();
    byte[] longKey = new byte[BucketOp.MAX_KEY_BYTES];
    Decision allowed = new Decision(true, 0, 0, 1);
    BucketOp first = null;
    BucketOp last = null;
    for (int i = 0; i <= RecentOps.MAX_REMEMBERED; i++) {
      byte[] id = new byte[BucketOp.MAX_ID_BYTES];
      java.nio.ByteBuffer.wrap(id).putInt(i);
      last = new BucketOp(longKey, 1, ONE, OpKind.ACQUIRE, id);
      first = first == null ? last : first;
      table.remember(last, allowed, T0);
    }
    assertEquals(RecentOps.MAX_REMEMBERED, table.size());
    assertEquals(1, table.forgottenEarly());
    assertNull(table.recall(first), "the oldest is forgotten first");
    assertEquals(allowed.asReplayed(), table.recall(last));
    int recordBytes = 49;
    assertEquals(8 + RecentOps.MAX_REMEMBERED * recordBytes, table.encode().length,
        "a record's size does not depend on the key's or the id's");
    assertEquals(RecentOps.MAX_REMEMBERED, RecentOps.decode(table.encode()).size());
  }

  @Test
  void aTableSavedBeforeDigestsIsReadAsEmpty() {
    java.nio.ByteBuffer legacy = java.nio.ByteBuffer.allocate(4 + 2 + 3 + 8 + 1 + 8 + 8 + 8);
    legacy.putInt(1).putShort((short) 3).put(new byte[] {1, 'k', 'r'})
        .putLong(T0).put((byte) 1).putLong(0).putLong(0).putLong(1);

    assertEquals(0, RecentOps.decode(legacy.array()).size());
  }

  /**
   * A caller reusing an id for another op (a constant id, or a gateway passing its users'
   * idempotency keys through) gets that op decided, and a true repeat is marked as one.
   */
  @Test
  void anIdBindsItsOpAndARepeatIsMarkedReplayed() {
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    BucketLimit ten = BucketLimit.of(10, 0.001);
    BucketOp one = BucketOp.of("k", 1, ten).withId(new byte[] {7});

    Decision first = apply(applier, T0, one);
    assertTrue(first.allowed());
    assertFalse(first.replayed());
    Decision repeat = apply(applier, T0, one);
    assertTrue(repeat.replayed());
    assertEquals(first.remaining(), repeat.remaining());

    Decision more = apply(applier, T0, BucketOp.of("k", 4, ten).withId(new byte[] {7}));
    assertFalse(more.replayed(), "more permits under the same id: another op");
    assertEquals(5, more.remaining());
    Decision looser = apply(applier, T0, BucketOp.of("k", 1, BucketLimit.of(20, 0.001))
        .withId(new byte[] {7}));
    assertFalse(looser.replayed(), "another limit under the same id: another op");
  }
}
