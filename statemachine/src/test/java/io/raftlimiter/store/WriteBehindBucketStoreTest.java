package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.testing.RandomValues;
import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The contract with a flush every few keys, so that reads mix pending and flushed state. */
class WriteBehindBucketStoreTest extends BucketStoreContract {
  private static final int SMALL = 3;

  @Override
  BucketStore open(Path directory) throws IOException {
    return new WriteBehindBucketStore(RocksDbBucketStore.open(directory), SMALL);
  }

  private static WriteBehindBucketStore holdingEverything(Path directory) throws IOException {
    return new WriteBehindBucketStore(RocksDbBucketStore.open(directory), Integer.MAX_VALUE);
  }

  @Test
  void writesStayInMemoryUntilTheLimitOfPendingKeys() {
    WriteBehindBucketStore small = (WriteBehindBucketStore) store;
    store.commit(writes(key("01"), state(1, 1), key("02"), state(2, 2)), new AppliedMarker(1, 1, 1));
    assertEquals(2, small.pendingKeys());
    store.commit(writes(key("02"), state(3, 3)), new AppliedMarker(1, 2, 2));
    assertEquals(2, small.pendingKeys(), "a key written again is held once");
    store.commit(writes(key("03"), state(4, 4)), new AppliedMarker(1, 3, 3));
    assertEquals(0, small.pendingKeys(), "the third key flushed the table");
    assertEquals(state(3, 3), store.get(key("02")), "read back from RocksDB");
  }

  /**
   * A bounded visit of the index held on the heap (slots taken whole in hash order), of one half
   * flushed and half held (merged in order) and of RocksDB alone takes the same entries and stops
   * at the same one, for every bound: what replicas that flushed at different times rely on.
   */
  @Test
  void heldFlushedAndMixedIndexesStopABoundedVisitAtTheSameEntry() throws IOException {
    SplittableRandom rnd = new SplittableRandom(3);
    List<WriteSet> commits = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      WriteSet writes = new WriteSet();
      for (int i = 0; i < 120; i++) {
        writes.expireAt(2 + rnd.nextInt(5), RandomValues.bytes(rnd, 1, 3));
      }
      commits.add(writes);
    }
    try (WriteBehindBucketStore held = holdingEverything(tempDir.resolve("held"));
        WriteBehindBucketStore mixed = holdingEverything(tempDir.resolve("mixed"));
        RocksDbBucketStore rocks = RocksDbBucketStore.open(tempDir.resolve("rocks"))) {
      for (int c = 0; c < commits.size(); c++) {
        for (BucketStore target : List.<BucketStore>of(held, mixed, rocks)) {
          target.commit(commits.get(c), new AppliedMarker(1, c + 1, c + 1));
        }
        if (c == 0) {
          mixed.flush();
        }
      }
      for (int limit = 1; limit <= 245; limit += 3) {
        List<String> expected = visit(rocks, limit);
        for (BucketStore target : List.<BucketStore>of(held, mixed)) {
          List<String> visited = visit(target, limit);
          assertEquals(new TreeSet<>(expected), new TreeSet<>(visited), "limit " + limit);
          assertEquals(expected.size(), visited.size(), "limit " + limit);
          if (expected.size() == limit) {
            assertEquals(expected.get(limit - 1), visited.get(limit - 1), "limit " + limit);
          }
        }
      }
    }
  }

  private static List<String> visit(BucketStore store, int limit) {
    List<String> entries = new ArrayList<>();
    store.visitDue(ExpiryCursor.START, 100, limit,
        (slot, k) -> entries.add(slot + ":" + HexFormat.of().formatHex(k)));
    return entries;
  }

  @Test
  void aDeleteHidesAFlushedBucketBeforeItIsFlushedItself() throws IOException {
    try (WriteBehindBucketStore held = holdingEverything(tempDir.resolve("held"))) {
      held.commit(writes(key("01"), state(1, 1)), new AppliedMarker(1, 1, 1));
      held.flush();
      held.commit(writes(key("01"), null), new AppliedMarker(1, 2, 2));
      assertNull(held.get(key("01")));
      assertEquals(List.of(), StoreDump.of(held), "and the flush deletes it in RocksDB");
    }
  }

  @Test
  void aCheckpointHoldsWhatWasOnlyInMemory() throws IOException {
    Path checkpoint = tempDir.resolve("checkpoint");
    try (WriteBehindBucketStore held = holdingEverything(tempDir.resolve("held"))) {
      WriteSet writes = writes(key("01"), state(1, 1), key("02"), state(2, 2));
      writes.expireAt(9, key("02"));
      writes.expiredBelowSlot(4);
      held.commit(writes, new AppliedMarker(3, 7, 70));
      held.checkpoint(checkpoint);
      held.commit(writes(key("01"), null), new AppliedMarker(3, 8, 80));
    }
    try (RocksDbBucketStore copy = RocksDbBucketStore.open(checkpoint)) {
      assertEquals(state(1, 1), copy.get(key("01")), "later commits do not reach the checkpoint");
      assertEquals(state(2, 2), copy.get(key("02")));
      assertEquals(new AppliedMarker(3, 7, 70), copy.appliedMarker());
      assertEquals(4, copy.expiredBelowSlot());
      List<String> due = new ArrayList<>();
      copy.visitDue(0, 100, k -> due.add(HexFormat.of().formatHex(k)));
      assertEquals(List.of("02"), due);
    }
  }

  @Test
  void closingWithoutAFlushLeavesRocksDbAtItsLastFlush() throws IOException {
    Path path = tempDir.resolve("held");
    try (WriteBehindBucketStore held = holdingEverything(path)) {
      held.commit(writes(key("01"), state(1, 1)), new AppliedMarker(1, 1, 1));
      held.flush();
      held.commit(writes(key("02"), state(2, 2)), new AppliedMarker(1, 2, 2));
    }
    try (WriteBehindBucketStore reopened = holdingEverything(path)) {
      assertEquals(new AppliedMarker(1, 1, 1), reopened.appliedMarker(),
          "the marker says where the log must be replayed from");
      assertEquals(state(1, 1), reopened.get(key("01")));
      assertNull(reopened.get(key("02")));
    }
  }

  /** Long keys reach the bound in bytes long before the bound in keys. */
  @Test
  void longKeysAreFlushedByTheBytesTheyHold() throws IOException {
    try (WriteBehindBucketStore held = holdingEverything(tempDir.resolve("bytes"))) {
      int keyBytes = 512;
      long mostHeld = 0;
      for (int commit = 0; commit < 60; commit++) {
        WriteSet writes = new WriteSet();
        for (int i = 0; i < 1_000; i++) {
          byte[] key = new byte[keyBytes];
          java.nio.ByteBuffer.wrap(key).putInt(commit).putInt(i);
          writes.put(key, state(1, commit));
        }
        held.commit(writes, new AppliedMarker(1, commit + 1, commit + 1));
        mostHeld = Math.max(mostHeld, held.pendingKeys());
      }
      assertTrue(mostHeld * keyBytes < WriteBehindBucketStore.MAX_PENDING_BYTES,
          "held " + mostHeld + " keys of " + keyBytes + " bytes");
      assertTrue(mostHeld > 10_000, "but not flushed for nothing: " + mostHeld);
    }
  }

  /**
   * Random commits with random flush points hold the same buckets, expiry index and markers as
   * the in-memory reference store.
   */
  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void randomCommitsAndFlushesMatchTheInMemoryStore(long seed) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      pool.add(RandomValues.bytes(rnd, 1, 3));
    }
    try (InMemoryBucketStore reference = new InMemoryBucketStore();
        WriteBehindBucketStore held = new WriteBehindBucketStore(
            RocksDbBucketStore.open(tempDir.resolve("random")), 1 + rnd.nextInt(20))) {
      long expiredBelow = 0;
      for (int commit = 1; commit <= 300; commit++) {
        WriteSet writes = new WriteSet();
        for (int i = rnd.nextInt(6); i > 0; i--) {
          byte[] k = pool.get(rnd.nextInt(pool.size()));
          BucketState s = rnd.nextInt(3) == 0 ? null : state(rnd.nextLong(1_000_000), commit);
          writes.put(k, s);
          if (s != null) {
            writes.expireAt(expiredBelow + rnd.nextInt(10), k);
          }
        }
        expiredBelow += rnd.nextInt(3) == 0 ? rnd.nextInt(4) : 0;
        writes.expiredBelowSlot(expiredBelow);
        AppliedMarker marker = new AppliedMarker(1, commit, commit);
        reference.commit(writes, marker);
        held.commit(writes, marker);
        if (rnd.nextInt(25) == 0) {
          held.flush();
        }
        for (byte[] k : pool) {
          assertEquals(reference.get(k), held.get(k), "seed " + seed + " commit " + commit);
        }
        assertEquals(dueKeys(reference, expiredBelow), dueKeys(held, expiredBelow),
            "seed " + seed + " commit " + commit);
        assertEquals(reference.expiredBelowSlot(), held.expiredBelowSlot());
        assertEquals(reference.appliedMarker(), held.appliedMarker());
      }
      assertEquals(StoreDump.of(reference), StoreDump.of(held), "seed " + seed);
    }
  }

  private static TreeSet<String> dueKeys(BucketStore store, long fromSlot) {
    TreeSet<String> keys = new TreeSet<>();
    store.visitDue(fromSlot, fromSlot + 20, k -> keys.add(HexFormat.of().formatHex(k)));
    return keys;
  }
}
