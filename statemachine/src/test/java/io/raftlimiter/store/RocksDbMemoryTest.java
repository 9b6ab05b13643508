package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node's stores share one cache and memtable budget, freed after the last store closes. */
class RocksDbMemoryTest {
  @TempDir
  Path dir;

  /** {@code count} buckets, about 100 bytes each in a memtable. */
  private static WriteSet buckets(String prefix, int count) {
    WriteSet writes = new WriteSet();
    for (int i = 0; i < count; i++) {
      writes.put((prefix + i).getBytes(StandardCharsets.UTF_8),
          new BucketState(new BucketLimit(10, 1_000_000), 5_000_000, 7, 1_234));
    }
    return writes;
  }

  private static WriteSet oneBucket(String key) {
    WriteSet writes = new WriteSet();
    writes.put(key.getBytes(StandardCharsets.UTF_8),
        new BucketState(new BucketLimit(10, 1_000_000), 5_000_000, 7, 1_234));
    return writes;
  }

  @Test
  void storesOfManyGroupsShareOneCache() throws Exception {
    try (RocksDbMemory memory = new RocksDbMemory(8L << 20, 4L << 20)) {
      assertEquals(0, memory.usedBytes());
      try (RocksDbBucketStore a = RocksDbBucketStore.open(dir.resolve("a"), memory)) {
        a.commit(oneBucket("k1"), new AppliedMarker(1, 1, 1));
        a.commit(buckets("a", 10_000), new AppliedMarker(1, 2, 1));
        long one = memory.usedBytes();
        assertTrue(one > 0, "the store's memtables are charged to the shared cache");
        try (RocksDbBucketStore b = RocksDbBucketStore.open(dir.resolve("b"), memory)) {
          b.commit(oneBucket("k2"), new AppliedMarker(1, 1, 1));
          b.commit(buckets("b", 10_000), new AppliedMarker(1, 2, 1));
          assertTrue(memory.usedBytes() > one,
              "the second store's too: " + memory.usedBytes() + " against " + one);
          assertEquals(1_234, a.get("k1".getBytes(StandardCharsets.UTF_8)).lastRefillNanos());
          assertEquals(1_234, b.get("k2".getBytes(StandardCharsets.UTF_8)).lastRefillNanos());
        }
      }
    }
  }

  @Test
  void closingTheMemoryWaitsForItsLastStore() throws Exception {
    RocksDbMemory memory = new RocksDbMemory(8L << 20, 4L << 20);
    RocksDbBucketStore store = RocksDbBucketStore.open(dir.resolve("a"), memory);
    memory.close();
    assertFalse(memory.freed(), "a store is still open over it");
    store.commit(oneBucket("k"), new AppliedMarker(1, 1, 1)); // still usable
    assertThrows(IllegalStateException.class,
        () -> RocksDbBucketStore.open(dir.resolve("b"), memory), "no new store once closed");
    store.close();
    assertTrue(memory.freed());
  }

  @Test
  void aStoreOpenedAloneFreesItsOwnMemory() throws Exception {
    RocksDbBucketStore store = RocksDbBucketStore.open(dir.resolve("own"));
    store.commit(oneBucket("k"), new AppliedMarker(1, 1, 1));
    store.close(); // would leak or crash if the store's own cache were not freed exactly once
    assertThrows(IllegalArgumentException.class, () -> new RocksDbMemory(8L << 20, 16L << 20),
        "memtables are charged to the cache, so cannot exceed it");
  }
}
