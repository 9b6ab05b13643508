package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.store.InMemoryBucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Buckets that refill to full are deleted by the sweep, the same way on every replica. */
class FullBucketSweepTest {
  private static final long SECOND = 1_000_000_000L;
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1); // full again 1 s after one take

  @TempDir Path dir;

  private static LogEntry takeOne(long stampNanos, String... keys) {
    List<AcquireOp> ops = new ArrayList<>();
    for (String key : keys) {
      ops.add(AcquireOp.of(key, 1, LIMIT));
    }
    return new LogEntry(stampNanos, ops);
  }

  private static byte[] key(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void deletesRefilledBucketsAPageAtATime() {
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store, 2);
      applier.apply(takeOne(SECOND, "a", "b", "c", "d", "e"), 1, 1);
      assertEquals(5, store.approximateSize()); // all below capacity, none swept

      // 2 s later all five are full again; each entry sweeps two of them.
      applier.apply(takeOne(3 * SECOND, "z"), 1, 2);
      assertNull(store.get(key("a")));
      assertNull(store.get(key("b")));
      assertNotNull(store.get(key("c")));
      applier.apply(takeOne(3 * SECOND + 1), 1, 3);
      assertNull(store.get(key("c")));
      assertNull(store.get(key("d")));
      applier.apply(takeOne(3 * SECOND + 2), 1, 4);
      assertNull(store.get(key("e")));
      assertNotNull(store.get(key("z")), "z was taken at 3 s and is not full yet");
      assertEquals(1, store.approximateSize());
    }
  }

  @Test
  void neverDeletesABucketBelowCapacity() {
    try (InMemoryBucketStore store = new InMemoryBucketStore()) {
      EntryApplier applier = new EntryApplier(store, 100);
      applier.apply(takeOne(SECOND, "a", "a", "a"), 1, 1); // 7 left: full again after 3 s
      applier.apply(takeOne(SECOND + SECOND / 2, "b"), 1, 2);
      assertEquals(7, store.get(key("a")).tokens());
      applier.apply(takeOne(3 * SECOND, "b"), 1, 3);
      assertNotNull(store.get(key("a")), "a is still below capacity at 3 s");
      applier.apply(takeOne(4 * SECOND + 1), 1, 4);
      assertNull(store.get(key("a")));
    }
  }

  @Test
  void cursorIsReplicatedStateSoReplicasAgree() throws Exception {
    try (RocksDbBucketStore rocks = RocksDbBucketStore.open(dir.resolve("db"));
         InMemoryBucketStore memory = new InMemoryBucketStore()) {
      EntryApplier onRocks = new EntryApplier(rocks, 3);
      EntryApplier inMemory = new EntryApplier(memory, 3);
      long index = 0;
      for (int round = 0; round < 20; round++) {
        List<String> keys = new ArrayList<>();
        for (int k = 0; k < 7; k++) {
          keys.add("k" + ((round * 7 + k * 13) % 40));
        }
        LogEntry entry = takeOne(SECOND * (1 + round / 3) + round, keys.toArray(String[]::new));
        index++;
        assertEquals(onRocks.apply(entry, 1, index), inMemory.apply(entry, 1, index));
        assertEquals(io.raftlimiter.testing.StoreDump.of(rocks), io.raftlimiter.testing.StoreDump.of(memory),
            "round " + round);
        assertEquals(cursor(rocks.sweepCursor()), cursor(memory.sweepCursor()), "round " + round);
      }
    }
  }

  private static String cursor(byte[] cursor) {
    return cursor == null ? "<start>" : new String(cursor, StandardCharsets.UTF_8);
  }
}
