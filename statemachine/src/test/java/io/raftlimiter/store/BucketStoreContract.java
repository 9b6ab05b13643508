package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.testing.RandomValues;
import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link BucketStore} must do, run against each implementation by a subclass: a store
 * moves bytes, so two stores given the same commits must hold the same thing.
 */
abstract class BucketStoreContract {
  static final BucketLimit LIMIT = BucketLimit.of(10, 1);

  @TempDir
  Path tempDir;
  BucketStore store;

  /** A new, empty store kept under {@code directory}. */
  abstract BucketStore open(Path directory) throws IOException;

  @BeforeEach
  void openStore() throws IOException {
    store = open(tempDir.resolve("store"));
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  static byte[] key(String hex) {
    return HexFormat.of().parseHex(hex);
  }

  static BucketState state(long tokensMicros, long lastRefillNanos) {
    return new BucketState(LIMIT, tokensMicros, 17, lastRefillNanos);
  }

  static WriteSet writes(Object... keysAndStates) {
    WriteSet writes = new WriteSet();
    for (int i = 0; i < keysAndStates.length; i += 2) {
      writes.put((byte[]) keysAndStates[i], (BucketState) keysAndStates[i + 1]);
    }
    return writes;
  }

  @Test
  void anEmptyStoreHasNothing() {
    assertNull(store.get(key("00")));
    assertNull(store.get(new byte[] {'a', 'b'}));
    assertEquals(AppliedMarker.NONE, store.appliedMarker());
    assertEquals(List.of(), StoreDump.of(store));
  }

  @Test
  void commitPutsStatesAndRecordsTheMarker() {
    BucketState a = state(1_000, 5);
    BucketState b = state(2_000_000, 6);
    store.commit(writes(key("61"), a, key("62ff"), b), new AppliedMarker(2, 7, 123));
    assertEquals(a, store.get(key("61")));
    assertEquals(b, store.get(key("62ff")));
    assertNull(store.get(key("62")));
    assertEquals(new AppliedMarker(2, 7, 123), store.appliedMarker());
  }

  @Test
  void laterCommitsOverwriteAndDelete() {
    store.commit(writes(key("01"), state(1, 1), key("02"), state(2, 2), key("03"), state(3, 3)),
        new AppliedMarker(1, 1, 10));
    store.commit(writes(key("01"), state(11, 4), key("02"), null, key("04"), null),
        new AppliedMarker(1, 2, 20));
    assertEquals(state(11, 4), store.get(key("01")));
    assertNull(store.get(key("02")), "deleted");
    assertEquals(state(3, 3), store.get(key("03")), "untouched");
    assertNull(store.get(key("04")), "deleting an absent key is a no-op");
    assertEquals(new AppliedMarker(1, 2, 20), store.appliedMarker());
    assertEquals(List.of("01 -> " + state(11, 4), "03 -> " + state(3, 3)), StoreDump.of(store));
  }

  @Test
  void anEmptyCommitStillRecordsTheMarker() {
    store.commit(new WriteSet(), new AppliedMarker(3, 9, 99));
    assertEquals(new AppliedMarker(3, 9, 99), store.appliedMarker());
    assertEquals(List.of(), StoreDump.of(store));
  }

  @Test
  void keysAreCopiedInAndOut() {
    byte[] written = key("aabb");
    store.commit(writes(written, state(5, 5)), new AppliedMarker(1, 1, 1));
    written[0] = 0;
    assertEquals(state(5, 5), store.get(key("aabb")));
    assertNull(store.get(key("00bb")));
    store.forEach((k, s) -> k[0] = 0);
    assertEquals(state(5, 5), store.get(key("aabb")));
  }

  @Test
  void forEachVisitsKeysInUnsignedByteOrder() {
    List<byte[]> keys = new ArrayList<>(List.of(key("00"), key("0000"), key("01"), key("7f"), key("80"),
        key("80ff"), key("ff"), key("ff00"), key("ffff"), key("6b6579")));
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 100; i++) {
      keys.add(RandomValues.bytes(rnd, 1, 6));
    }
    WriteSet writes = new WriteSet();
    for (int i = 0; i < keys.size(); i++) {
      writes.put(keys.get(i), state(i, i));
    }
    store.commit(writes, new AppliedMarker(1, 1, 1));

    List<byte[]> visited = new ArrayList<>();
    store.forEach((k, s) -> {
      visited.add(k);
      assertEquals(writes.get(k), s, HexFormat.of().formatHex(k));
    });
    TreeMap<byte[], Boolean> sorted = new TreeMap<>(Arrays::compareUnsigned);
    keys.forEach(k -> sorted.put(k, true));
    List<byte[]> expected = new ArrayList<>(sorted.keySet());
    assertEquals(expected.size(), visited.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), visited.get(i), "position " + i);
    }
  }

  private List<String> due(long fromSlot, long toSlot) {
    List<String> keys = new ArrayList<>();
    store.visitDue(fromSlot, toSlot, k -> keys.add(HexFormat.of().formatHex(k)));
    return keys;
  }

  private static List<String> sorted(List<String> keys) {
    return keys.stream().sorted().toList();
  }

  /**
   * Whatever order a store visits a slot taken whole in, a visit of {@code limit} entries takes
   * the first {@code limit} of index order and stops at the last of them, so that every replica
   * resumes expiry from the same entry.
   */
  @Test
  void aVisitTakesTheFirstEntriesOfIndexOrderAndStopsAtTheLastOfThemWhateverItsOrder() {
    SplittableRandom rnd = new SplittableRandom(11);
    WriteSet writes = new WriteSet();
    TreeSet<String> inOrder = new TreeSet<>(); // "slot:hex" sorts as the index does (slots < 10)
    for (int i = 0; i < 200; i++) {
      byte[] k = RandomValues.bytes(rnd, 1, 4);
      long slot = 3 + rnd.nextInt(6);
      writes.expireAt(slot, k);
      inOrder.add(slot + ":" + HexFormat.of().formatHex(k));
    }
    store.commit(writes, new AppliedMarker(1, 1, 1));
    List<String> expected = new ArrayList<>(inOrder);
    for (int limit = 0; limit <= expected.size() + 1; limit++) {
      List<String> visited = due(ExpiryCursor.at(0), 100, limit);
      int taken = Math.min(limit, expected.size());
      assertEquals(taken, visited.size(), "limit " + limit);
      assertEquals(new TreeSet<>(expected.subList(0, taken)),
          new TreeSet<>(visited), "limit " + limit);
      if (taken == limit && taken > 0) {
        assertEquals(expected.get(taken - 1), visited.get(taken - 1),
            "the visit stops at the entry index order stops at, limit " + limit);
      }
    }
  }

  private static List<String> dueAs(String... expected) {
    return List.of(expected);
  }

  /** The entries visited after {@code after}, as "slot:hexkey". */
  private List<String> due(ExpiryCursor after, long toSlot, int limit) {
    List<String> entries = new ArrayList<>();
    store.visitDue(after, toSlot, limit,
        (slot, k) -> entries.add(slot + ":" + HexFormat.of().formatHex(k)));
    return entries;
  }

  @Test
  void aBoundedVisitStopsAtItsLimitAndResumesAfterTheCursor() {
    WriteSet first = writes(key("01"), state(1, 1));
    first.expireAt(5, key("02"));
    first.expireAt(5, key("01"));
    first.expireAt(5, key("0101"));
    first.expireAt(6, key("00"));
    first.expireAt(8, key("ff"));
    store.commit(first, new AppliedMarker(1, 1, 1));
    assertEquals(List.of("5:01", "5:0101"), due(ExpiryCursor.at(0), 100, 2));
    assertEquals(List.of("5:02", "6:00"), due(new ExpiryCursor(5, key("0101")), 100, 2),
        "after the cursor's own entry, across slots");
    assertEquals(List.of("5:02", "6:00", "8:ff"), due(new ExpiryCursor(5, key("0102")), 100, 5),
        "a cursor key that is not indexed still orders");
    assertEquals(List.of("6:00"), due(new ExpiryCursor(5, key("02")), 8, 5), "below the end slot");
    assertEquals(List.of(), due(new ExpiryCursor(8, key("ff")), 100, 5));
    assertEquals(List.of(), due(ExpiryCursor.at(5), 100, 0));
  }

  @Test
  void theCursorIsStoredWithTheCommitAndKeepsItsSlotsIndex() {
    WriteSet first = writes(key("01"), state(1, 1));
    first.expireAt(5, key("01"));
    first.expireAt(5, key("02"));
    first.expiryCursor(new ExpiryCursor(5, key("01")));
    store.commit(first, new AppliedMarker(1, 1, 1));
    assertEquals(new ExpiryCursor(5, key("01")), store.expiryCursor());
    assertEquals(List.of("5:02"), due(store.expiryCursor(), 100, 10));
    assertEquals(List.of("5:01", "5:02"), due(ExpiryCursor.at(5), 100, 10),
        "the slot the cursor is in keeps its index until the cursor leaves it");
  }

  @Test
  void theExpiryIndexIsVisitedBySlotThenUnsignedKey() {
    WriteSet first = writes(key("ff"), state(1, 1), key("01"), state(2, 2));
    first.expireAt(7, key("ff"));
    first.expireAt(5, key("01"));
    first.expireAt(5, key("80"));
    first.expireAt(9, key("0100"));
    first.expireAt(5, key("01")); // twice: visited once
    store.commit(first, new AppliedMarker(1, 1, 1));
    assertEquals(List.of("5:01", "5:80", "7:ff", "9:0100"), due(ExpiryCursor.at(0), 100, 4),
        "up to the limit, in order");
    assertEquals(List.of("01", "80"), sorted(due(5, 6)), "a slot taken whole, in any order");
    assertEquals(List.of("01", "80"), sorted(due(0, 7)));
    assertEquals(dueAs("ff"), due(6, 9), "the upper slot is excluded");
    assertEquals(List.of(), due(9, 9));
    assertEquals(List.of(), due(10, 3));
  }

  @Test
  void aSlotReadBeforeAnotherKeyIsIndexedThereIsReadInOrderAfter() {
    WriteSet first = writes(key("01"), state(1, 1));
    first.expireAt(5, key("80"));
    first.expireAt(5, key("01"));
    store.commit(first, new AppliedMarker(1, 1, 1));
    assertEquals(List.of("5:01", "5:80"), due(ExpiryCursor.at(0), 100, 2), "read in order");
    assertEquals(List.of("5:80"), due(new ExpiryCursor(5, key("01")), 100, 5));

    WriteSet second = new WriteSet();
    second.expireAt(5, key("40"));
    second.expireAt(5, key("80")); // indexed already: still visited once
    second.expireAt(5, key("00"));
    store.commit(second, new AppliedMarker(1, 2, 2));
    assertEquals(List.of("5:00", "5:01", "5:40", "5:80"), due(ExpiryCursor.at(0), 100, 4));
    assertEquals(List.of("5:40", "5:80"), due(new ExpiryCursor(5, key("01")), 100, 5),
        "resuming inside the slot finds the key indexed since");
  }

  @Test
  void passingASlotDropsItsIndexWithTheCommit() {
    assertEquals(0, store.expiredBelowSlot(), "a new store has expired nothing");
    WriteSet first = writes(key("01"), state(1, 1));
    first.expireAt(3, key("01"));
    first.expireAt(4, key("02"));
    first.expireAt(8, key("03"));
    first.expiredBelowSlot(2);
    store.commit(first, new AppliedMarker(1, 1, 1));
    assertEquals(2, store.expiredBelowSlot());
    assertEquals(dueAs("01", "02", "03"), due(0, 100));

    WriteSet second = new WriteSet();
    second.expiredBelowSlot(5);
    second.expireAt(6, key("04"));
    store.commit(second, new AppliedMarker(1, 2, 2));
    assertEquals(5, store.expiredBelowSlot());
    assertEquals(dueAs("04", "03"), due(0, 100), "slots 2 to 4 are gone, later ones stay");
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3})
  void randomCommitsMatchAReferenceMap(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pool.add(RandomValues.bytes(rnd, 1, 3));
    }
    TreeMap<byte[], BucketState> reference = new TreeMap<>(Arrays::compareUnsigned);
    for (int commit = 1; commit <= 150; commit++) {
      WriteSet writes = new WriteSet();
      int size = rnd.nextInt(8);
      for (int i = 0; i < size; i++) {
        byte[] k = pool.get(rnd.nextInt(pool.size()));
        BucketState s = rnd.nextInt(3) == 0 ? null : state(rnd.nextLong(LIMIT.capacityMicros()), commit);
        writes.put(k, s);
      }
      writes.forEach((k, s) -> {
        if (s == null) {
          reference.remove(k);
        } else {
          reference.put(k, s);
        }
      });
      AppliedMarker marker = new AppliedMarker(1 + commit / 50, commit, 1_000L * commit);
      store.commit(writes, marker);
      assertEquals(marker, store.appliedMarker(), "seed " + seed);
    }
    List<String> expected = new ArrayList<>();
    for (Map.Entry<byte[], BucketState> e : reference.entrySet()) {
      expected.add(HexFormat.of().formatHex(e.getKey()) + " -> " + e.getValue());
    }
    assertEquals(expected, StoreDump.of(store), "seed " + seed);
    for (byte[] k : pool) {
      assertEquals(reference.get(k), store.get(k.clone()), "seed " + seed + " key " + HexFormat.of().formatHex(k));
    }
    assertTrue(store.approximateSize() >= 0);
  }
}
