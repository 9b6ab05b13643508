package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.bucket.TokenBucket;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.ExpirySlots;
import io.raftlimiter.store.InMemoryBucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import io.raftlimiter.testing.ExactBucket;
import io.raftlimiter.testing.RandomValues;
import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntryApplierTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND;

  @TempDir
  Path tempDir;

  private record Applied(LogEntry entry, long term, long index) {}

  /**
   * A random log: a small pool of keys (so keys repeat, within an entry too), each with a limit
   * that now and then changes, and stamps that mostly advance but sometimes stand still or go back
   * (a new leader with a slower clock).
   */
  private static List<Applied> randomLog(SplittableRandom rnd, int entries, boolean limitsChange) {
    return randomLog(rnd, entries, limitsChange, 10);
  }

  private static List<Applied> randomLog(SplittableRandom rnd, int entries, boolean limitsChange,
      int keyCount) {
    List<byte[]> keys = new ArrayList<>();
    List<BucketLimit> limits = new ArrayList<>();
    for (int i = 0; i < keyCount; i++) {
      keys.add(rnd.nextBoolean() ? RandomValues.bytes(rnd, 1, 16) : RandomValues.utf8Key(rnd, 24));
      limits.add(randomLimit(rnd));
    }
    List<Applied> log = new ArrayList<>();
    long stamp = T0;
    long term = 1;
    for (int index = 1; index <= entries; index++) {
      int kind = rnd.nextInt(10);
      if (kind == 0) {
        stamp -= RandomValues.spread(rnd, 1, 5 * SECOND);
        term++;
      } else if (kind < 3) {
        stamp += 0;
      } else if (kind < 9) {
        stamp += RandomValues.spread(rnd, 1, 500 * MILLI);
      } else {
        stamp += RandomValues.spread(rnd, 1, 3_600 * SECOND);
      }
      List<BucketOp> ops = new ArrayList<>();
      int count = 1 + rnd.nextInt(8);
      for (int i = 0; i < count; i++) {
        int k = rnd.nextInt(rnd.nextBoolean() ? 3 : keys.size()); // a few hot keys
        if (limitsChange && rnd.nextInt(30) == 0) {
          limits.set(k, randomLimit(rnd));
        }
        BucketLimit limit = limits.get(k);
        long permits = rnd.nextInt(5) == 0 ? RandomValues.spread(rnd, 1, limit.capacity())
            : Math.min(limit.capacity(), 1 + rnd.nextInt(3));
        ops.add(new BucketOp(keys.get(k), permits, limit));
      }
      log.add(new Applied(new LogEntry(stamp, ops), term, index));
    }
    return log;
  }

  private static BucketLimit randomLimit(SplittableRandom rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> BucketLimit.of(1 + rnd.nextInt(10), 1);
      case 1 -> BucketLimit.of(1 + rnd.nextInt(100), 0.7);
      case 2 -> new BucketLimit(1 + rnd.nextInt(1_000), RandomValues.spread(rnd, 1, 100_000_000));
      default -> new BucketLimit(RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY),
          RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN));
    };
  }

  private static void assertStoreInvariants(BucketStore store, String where) {
    long appliedStamp = store.appliedMarker().stampNanos();
    store.forEach((key, state) -> {
      assertFalse(state.isFull(), where + ": a full bucket is stored for " + HexFormat.of().formatHex(key));
      assertTrue(state.lastRefillNanos() <= appliedStamp, where + ": state from the future " + state);
    });
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 53710, 53711})
  void rocksDbAndInMemoryStoresAgreeOnEveryDecisionAndByte(long seed)
      throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Applied> log = randomLog(rnd, 400, true, 30);
    try (RocksDbBucketStore rocks = RocksDbBucketStore.open(tempDir.resolve("rocks"));
        InMemoryBucketStore memory = new InMemoryBucketStore()) {
      EntryApplier onRocks = new EntryApplier(rocks);
      EntryApplier inMemory = new EntryApplier(memory);
      long highestStamp = Long.MIN_VALUE;
      int refusals = 0;
      for (Applied a : log) {
        String where = "seed " + seed + " index " + a.index();
        long floor = rocks.appliedMarker().stampNanos();
        assertEquals(Math.max(a.entry().stampNanos(), floor), onRocks.effectiveNanos(a.entry()), where);

        List<Decision> fromRocks = onRocks.apply(a.entry(), a.term(), a.index());
        List<Decision> fromMemory = inMemory.apply(a.entry(), a.term(), a.index());
        assertEquals(fromRocks, fromMemory, where);
        assertEquals(a.entry().ops().size(), fromRocks.size(), where);
        refusals += (int) fromRocks.stream().filter(d -> !d.allowed()).count();

        highestStamp = Math.max(highestStamp, a.entry().stampNanos());
        AppliedMarker expectedMarker = new AppliedMarker(a.term(), a.index(), highestStamp);
        assertEquals(expectedMarker, rocks.appliedMarker(), where);
        assertEquals(expectedMarker, memory.appliedMarker(), where);
        assertTrue(rocks.appliedMarker().stampNanos() >= floor, where + ": time went backwards");
        assertEquals(memory.expiredBelowSlot(), rocks.expiredBelowSlot(), where);
        if (a.index() % 50 == 0) {
          assertEquals(StoreDump.of(memory), StoreDump.of(rocks), where);
          assertStoreInvariants(rocks, where);
        }
      }
      assertEquals(StoreDump.of(memory), StoreDump.of(rocks), "seed " + seed);
      assertStoreInvariants(memory, "seed " + seed);
      assertTrue(refusals > 20, "seed " + seed + ": the log should exhaust some buckets, got " + refusals);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {5, 6, 7})
  void decisionsMatchAnExactBucketPerKeyAtTheEffectiveTime(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<Applied> log = randomLog(rnd, 400, false);
    EntryApplier applier = new EntryApplier(new InMemoryBucketStore());
    Map<ByteBuffer, ExactBucket> models = new HashMap<>();
    long effective = Long.MIN_VALUE;
    for (Applied a : log) {
      effective = Math.max(effective, a.entry().stampNanos());
      List<Decision> decisions = applier.apply(a.entry(), a.term(), a.index());
      for (int i = 0; i < decisions.size(); i++) {
        BucketOp op = a.entry().ops().get(i);
        long now = effective;
        ExactBucket model = models.computeIfAbsent(ByteBuffer.wrap(op.key()), k -> new ExactBucket(op.limit(), now));
        assertEquals(model.tryAcquire(op.permits(), now), decisions.get(i),
            "seed " + seed + " index " + a.index() + " op " + i + " " + op);
      }
    }
  }

  @Test
  void aStaleStampIsRaisedToTheLastAppliedOne() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketOp five = BucketOp.of("k", 5, limit);

    applier.apply(new LogEntry(T0 + 100 * SECOND, List.of(five)), 1, 1);
    LogEntry stale = new LogEntry(T0 + 40 * SECOND, List.of(five));
    assertEquals(T0 + 100 * SECOND, applier.effectiveNanos(stale));
    assertEquals(List.of(new Decision(true, 0, 0)), applier.apply(stale, 2, 2));
    assertEquals(new AppliedMarker(2, 2, T0 + 100 * SECOND), store.appliedMarker());
    assertEquals(new BucketState(limit, 0, 0, T0 + 100 * SECOND), store.get(key("k")));
    // the 60 s the stale leader 'lost' are not paid out later
    assertEquals(List.of(new Decision(false, 2, 3_000)),
        applier.apply(new LogEntry(T0 + 102 * SECOND, List.of(five)), 2, 3));
  }

  @Test
  void opsOnOneKeyInOneEntrySeeEachOthersWrites() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(2, 1);
    BucketOp one = BucketOp.of("k", 1, limit);
    List<Decision> decisions = applier.apply(
        new LogEntry(T0, List.of(one, BucketOp.of("other", 1, limit), one, one)), 1, 1);
    assertEquals(List.of(new Decision(true, 1, 0), new Decision(true, 1, 0), new Decision(true, 0, 0),
        new Decision(false, 0, 1_000)), decisions);
    assertEquals(new BucketState(limit, 0, 0, T0), store.get(key("k")));
    assertEquals(new BucketState(limit, 1_000_000, 0, T0), store.get(key("other")));
  }

  @Test
  void aResetFillsTheBucketAndDeletesIt() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketOp ten = BucketOp.of("k", 10, limit);
    applier.apply(new LogEntry(T0, List.of(ten)), 1, 1);
    assertEquals(0, store.get(key("k")).tokens());

    List<Decision> decisions = applier.apply(new LogEntry(T0 + MILLI,
        List.of(ten.as(OpKind.RESET, 0), ten)), 1, 2);
    assertEquals(List.of(new Decision(true, 10, 0), new Decision(true, 0, 0)), decisions,
        "the reset filled the bucket for the acquire after it in the same entry");
    applier.apply(new LogEntry(T0 + 2 * MILLI, List.of(ten.as(OpKind.RESET, 0))), 1, 3);
    assertNull(store.get(key("k")), "a reset bucket is full, and a full bucket is no bucket");
  }

  @Test
  void aLookAnswersTheTokensAndWritesNothing() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketOp four = BucketOp.of("k", 4, limit);
    applier.apply(new LogEntry(T0, List.of(four)), 1, 1);
    BucketState before = store.get(key("k"));

    List<Decision> decisions = applier.apply(new LogEntry(T0 + 2 * SECOND,
        List.of(four.as(OpKind.PEEK, 0), BucketOp.of("never", 1, limit).as(OpKind.PEEK, 0))),
        1, 2);
    assertEquals(List.of(new Decision(true, 8, 0), new Decision(true, 10, 0)), decisions);
    assertEquals(before, store.get(key("k")), "the look did not store the refill");
    assertNull(store.get(key("never")));
  }

  @Test
  void aRefusalWritesNothingAndTheBucketStillExpires() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketOp ten = BucketOp.of("k", 10, limit);
    applier.apply(new LogEntry(T0, List.of(ten)), 1, 1);
    BucketState drained = store.get(key("k"));

    List<Decision> decisions = applier.apply(new LogEntry(T0 + 3 * SECOND,
        List.of(ten, BucketOp.of("k", 4, limit))), 1, 2);
    assertEquals(List.of(new Decision(false, 3, 7_000), new Decision(false, 3, 1_000)), decisions);
    assertEquals(drained, store.get(key("k")), "a refusal takes nothing: the stored state stands");

    assertEquals(List.of(new Decision(true, 6, 0)),
        applier.apply(new LogEntry(T0 + 10 * SECOND, List.of(BucketOp.of("k", 4, limit))), 1, 3),
        "the refill from the state stored before the refusals is the same");
    applier.apply(new LogEntry(T0 + 20 * SECOND, List.of(BucketOp.of("other", 1, limit))), 1, 4);
    assertNull(store.get(key("k")), "indexed when it was last written, it expired when full");
  }

  @Test
  void aBucketRefilledToFullActsLikeANewOne() {
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    BucketLimit limit = BucketLimit.of(10, 1);
    applier.apply(new LogEntry(T0, List.of(BucketOp.of("old", 7, limit))), 1, 1);
    assertEquals(3, store.get(key("old")).tokens());

    List<Decision> decisions = applier.apply(new LogEntry(T0 + 60 * SECOND,
        List.of(BucketOp.of("old", 4, limit), BucketOp.of("new", 4, limit))), 1, 2);
    assertEquals(decisions.get(1), decisions.get(0));
    assertEquals(store.get(key("new")), store.get(key("old")));
    assertEquals(new BucketState(limit, 6_000_000, 0, T0 + 60 * SECOND), store.get(key("old")));
    assertNull(store.get(key("never")));
  }

  @Test
  void aLogReplayedOnACheckpointEndsInTheSameState() throws IOException {
    SplittableRandom rnd = new SplittableRandom(8);
    List<Applied> log = randomLog(rnd, 300, true);
    Path checkpoint = tempDir.resolve("checkpoint");
    try (RocksDbBucketStore leader = RocksDbBucketStore.open(tempDir.resolve("leader"))) {
      EntryApplier applier = new EntryApplier(leader);
      for (Applied a : log.subList(0, 150)) {
        applier.apply(a.entry(), a.term(), a.index());
      }
      leader.checkpoint(checkpoint);
      try (RocksDbBucketStore restored = RocksDbBucketStore.open(checkpoint)) {
        assertEquals(leader.appliedMarker(), restored.appliedMarker());
        EntryApplier replay = new EntryApplier(restored);
        for (Applied a : log.subList(150, log.size())) {
          assertEquals(applier.apply(a.entry(), a.term(), a.index()),
              replay.apply(a.entry(), a.term(), a.index()), "index " + a.index());
        }
        assertEquals(StoreDump.of(leader), StoreDump.of(restored));
        assertEquals(leader.appliedMarker(), restored.appliedMarker());
      }
    }
  }

  /**
   * An entry at time T deletes every bucket whose expiry slot T has passed, and only buckets that
   * are full at T (one written again may go early, from an index entry of its earlier state, if it
   * is full by then too); every bucket still below capacity at T stays as it was.
   */
  @ParameterizedTest
  @ValueSource(longs = {21, 22, 24})
  void anEntryDeletesTheBucketsWhoseSlotPassedAndNoneBelowCapacity(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    InMemoryBucketStore store = new InMemoryBucketStore();
    EntryApplier applier = new EntryApplier(store);
    List<Applied> log = randomLog(rnd, 300, true, 40);
    for (Applied a : log) {
      applier.apply(a.entry(), a.term(), a.index());
    }
    // Halfway through the times the stored buckets refill at: some expire, some do not.
    List<Long> fullAt = new ArrayList<>();
    store.forEach((key, state) -> fullAt.add(TokenBucket.fullAtNanos(state)));
    fullAt.sort(null);
    long later = Math.max(store.appliedMarker().stampNanos(), fullAt.get(fullAt.size() / 2));
    long laterSlot = ExpirySlots.slotOf(later);
    List<String> mustGo = new ArrayList<>();
    List<String> mustStay = new ArrayList<>();
    store.forEach((key, state) -> {
      String entry = HexFormat.of().formatHex(key) + " -> " + state;
      if (ExpirySlots.slotOf(TokenBucket.fullAtNanos(state)) < laterSlot) {
        assertTrue(TokenBucket.refill(state, later).isFull(), "seed " + seed + ": " + state);
        mustGo.add(entry);
      } else if (!TokenBucket.refill(state, later).isFull()) {
        mustStay.add(entry);
      }
    });
    assertEquals(List.of(), applier.apply(new LogEntry(later, List.of()), 9, log.size() + 1));
    List<String> left = StoreDump.of(store);
    assertTrue(left.containsAll(mustStay), "seed " + seed + ": " + mustStay + " vs " + left);
    assertTrue(mustGo.stream().noneMatch(left::contains), "seed " + seed + ": " + left);
    store.forEach((key, state) -> assertTrue(
        mustStay.contains(HexFormat.of().formatHex(key) + " -> " + state)
            || TokenBucket.refill(state, later).isFull(), "seed " + seed));
    assertTrue(!mustGo.isEmpty() && !mustStay.isEmpty(),
        "seed " + seed + ": want both kinds, got " + mustGo.size() + " expiring and "
            + mustStay.size() + " not");
  }

  private static byte[] key(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }
}
