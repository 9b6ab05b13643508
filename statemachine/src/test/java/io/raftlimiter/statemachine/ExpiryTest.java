package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.ExpiryCursor;
import io.raftlimiter.store.ExpirySlots;
import io.raftlimiter.store.InMemoryBucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import io.raftlimiter.store.WriteBehindBucketStore;
import io.raftlimiter.testing.StoreDump;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buckets that refill to full are deleted once their expiry slot has passed, alike on every replica. */
class ExpiryTest {
  private static final long SECOND = 1_000_000_000L;
  /** One expiry slot: a full bucket is deleted by the first entry this long after it refilled. */
  private static final long SLOT = 1L << ExpirySlots.SLOT_BITS;
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1); // full again 1 s after one take

  @TempDir Path dir;

  private static LogEntry takeOne(long stampNanos, String... keys) {
    List<BucketOp> ops = new ArrayList<>();
    for (String key : keys) {
      ops.add(BucketOp.of(key, 1, LIMIT));
    }
    return new LogEntry(stampNanos, ops);
  }

  private static byte[] key(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void deletesRefilledBucketsOnceTheirSlotHasPassed() {
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store);
      applier.apply(takeOne(SECOND, "a", "b", "c", "d", "e"), 1, 1);
      assertEquals(5, store.approximateSize()); // all below capacity until 2 s

      applier.apply(takeOne(2 * SECOND - 1, "z"), 1, 2);
      assertEquals(6, store.approximateSize(), "none is full yet");
      applier.apply(takeOne(2 * SECOND + 2 * SLOT, "y"), 1, 3);
      for (String gone : List.of("a", "b", "c", "d", "e")) {
        assertNull(store.get(key(gone)), gone);
      }
      assertNotNull(store.get(key("z")), "z was taken just before 2 s and is not full yet");
      assertNotNull(store.get(key("y")));
      assertEquals(2, store.approximateSize());
    }
  }

  @Test
  void neverDeletesABucketBelowCapacity() {
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store);
      applier.apply(takeOne(SECOND, "a", "a", "a"), 1, 1); // 7 left: full again at 4 s
      applier.apply(takeOne(3 * SECOND, "b"), 1, 2);
      assertEquals(7, store.get(key("a")).tokens(), "as stored at 1 s: nothing expired it");
      applier.apply(takeOne(4 * SECOND - 1), 1, 3);
      assertNotNull(store.get(key("a")), "a is still below capacity just before 4 s");
      applier.apply(takeOne(4 * SECOND + 2 * SLOT), 1, 4);
      assertNull(store.get(key("a")));
    }
  }

  @Test
  void aBucketTakenFromAgainWaitsForItsNewTime() {
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store);
      applier.apply(takeOne(SECOND, "a"), 1, 1); // full at 2 s
      applier.apply(takeOne(SECOND + SECOND / 2, "a"), 1, 2); // 8.5 left: full at 3 s
      applier.apply(takeOne(2 * SECOND + 2 * SLOT), 1, 3);
      assertNotNull(store.get(key("a")), "the first slot passed, but a is not full");
      applier.apply(takeOne(3 * SECOND + 2 * SLOT), 1, 4);
      assertNull(store.get(key("a")));
    }
  }

  @Test
  void theExpiryIndexIsReplicatedStateSoReplicasAgree() throws Exception {
    try (RocksDbBucketStore rocks = RocksDbBucketStore.open(dir.resolve("db"));
         InMemoryBucketStore memory = new InMemoryBucketStore()) {
      EntryApplier onRocks = new EntryApplier(rocks);
      EntryApplier inMemory = new EntryApplier(memory);
      long index = 0;
      for (int round = 0; round < 40; round++) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < 7; k++) {
          keys.add("k" + ((round * 7 + k * 13) % 40));
        }
        LogEntry entry = takeOne(SECOND * (1 + round / 3) + round * SLOT / 3,
            keys.toArray(String[]::new));
        index++;
        assertEquals(onRocks.apply(entry, 1, index), inMemory.apply(entry, 1, index));
        assertEquals(StoreDump.of(rocks), StoreDump.of(memory), "round " + round);
        assertEquals(rocks.expiredBelowSlot(), memory.expiredBelowSlot(), "round " + round);
        assertEquals(due(rocks), due(memory), "round " + round);
      }
    }
  }

  /**
   * The first entry after a quiet spell in which every bucket refilled deletes a bounded number of
   * them; the entries after it go on where it stopped until all are gone.
   */
  @Test
  void anEntryAfterAQuietSpellExpiresABoundedNumberOfBuckets() {
    int keys = EntryApplier.MAX_EXPIRY_VISITS * 5 / 2;
    String[] all = new String[keys];
    for (int k = 0; k < keys; k++) {
      all[k] = "user-" + k;
    }
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store);
      applier.apply(takeOne(SECOND, all), 1, 1);
      assertEquals(keys, store.approximateSize());

      long afterTheSpell = 3600 * SECOND;
      applier.apply(takeOne(afterTheSpell), 1, 2);
      assertEquals(keys - EntryApplier.MAX_EXPIRY_VISITS, store.approximateSize(),
          "one entry's expiry is bounded");
      applier.apply(takeOne(afterTheSpell + 1), 1, 3);
      assertEquals(keys - 2 * EntryApplier.MAX_EXPIRY_VISITS, store.approximateSize());
      applier.apply(takeOne(afterTheSpell + 2), 1, 4);
      assertEquals(0, store.approximateSize());
      assertEquals(ExpirySlots.slotOf(afterTheSpell), store.expiredBelowSlot());
      assertEquals(List.of(), due(store), "the index of the passed slots is gone with them");
    }
  }

  /**
   * With a small bound, expiry stops in the middle of slots; replicas that flushed their
   * write-behind table at different points still stop at the same entry and hold the same state.
   */
  @Test
  void replicasStopExpiryAtTheSameEntryWhateverTheyFlushed() throws Exception {
    int bound = 5;
    SplittableRandom rnd = new SplittableRandom(7);
    try (InMemoryBucketStore memory = new InMemoryBucketStore();
        RocksDbBucketStore rocks = RocksDbBucketStore.open(dir.resolve("rocks"));
        WriteBehindBucketStore held = new WriteBehindBucketStore(
            RocksDbBucketStore.open(dir.resolve("held")), 11)) {
      List<BucketStore> stores = List.of(memory, rocks, held);
      List<EntryApplier> appliers = stores.stream()
          .map(store -> new EntryApplier(store, new RecentOps(), bound)).toList();
      long nowNanos = SECOND;
      for (int index = 1; index <= 300; index++) {
        nowNanos += rnd.nextInt(10) == 0 ? 3 * SECOND : rnd.nextLong(SLOT / 2);
        String[] keys = new String[rnd.nextInt(8)];
        for (int k = 0; k < keys.length; k++) {
          keys[k] = "k" + rnd.nextInt(60);
        }
        LogEntry entry = takeOne(nowNanos, keys);
        List<?> decided = appliers.get(0).apply(entry, 1, index);
        for (int i = 1; i < stores.size(); i++) {
          assertEquals(decided, appliers.get(i).apply(entry, 1, index), "index " + index);
        }
        if (rnd.nextInt(7) == 0) {
          held.flush();
        }
        for (BucketStore store : stores.subList(1, stores.size())) {
          String where = store.getClass().getSimpleName() + " at index " + index;
          assertEquals(StoreDump.of(memory), StoreDump.of(store), where);
          assertEquals(memory.expiryCursor(), store.expiryCursor(), where);
          assertEquals(due(memory), due(store), where);
        }
      }
      assertTrue(memory.expiryCursor().lastKey() != null || memory.expiredBelowSlot() > 0);
    }
  }

  /** The expiry index as "slot:key", sorted: a store may visit a slot taken whole in any order. */
  private static List<String> due(BucketStore store) {
    List<String> entries = new ArrayList<>();
    store.visitDue(ExpiryCursor.START, Long.MAX_VALUE, Integer.MAX_VALUE,
        (slot, k) -> entries.add(slot + ":" + new String(k, StandardCharsets.UTF_8)));
    entries.sort(null);
    return entries;
  }
}
