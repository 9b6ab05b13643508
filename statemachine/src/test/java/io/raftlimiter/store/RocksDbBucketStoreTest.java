package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RocksDbBucketStoreTest extends BucketStoreContract {

  @Override
  BucketStore open(Path directory) throws IOException {
    return RocksDbBucketStore.open(directory);
  }

  private RocksDbBucketStore rocks() {
    return (RocksDbBucketStore) store;
  }

  private void fill() {
    store.commit(writes(key("01"), state(1, 1), key("02"), state(2, 2), key("ff"), state(3, 3)),
        new AppliedMarker(1, 1, 10));
    WriteSet second = writes(key("02"), null, key("03"), state(4, 4));
    second.expireAt(9, key("03"));
    second.expiryCursor(new ExpiryCursor(4, key("aa")));
    store.commit(second, new AppliedMarker(2, 5, 50));
  }

  private static void assertDue(BucketStore store, byte[] key) {
    List<byte[]> due = new ArrayList<>();
    store.visitDue(0, 100, due::add);
    assertEquals(1, due.size());
    assertArrayEquals(key, due.get(0), "the expiry index survives");
  }

  /**
   * Reads answer from the memtables and from flushed files alike, whether the key was never
   * written, is there, or was deleted or overwritten in the memtable after its flush: the
   * "certainly absent" short cut on reads must never hide a value or resurrect a deleted one.
   */
  @Test
  void readsAgreeAcrossMemtablesAndFlushedFiles() {
    store.commit(writes(key("01"), state(1, 1), key("02"), state(2, 2), key("03"), state(3, 3)),
        new AppliedMarker(1, 1, 10));
    rocks().flush();
    store.commit(writes(key("02"), null, key("03"), state(9, 9), key("04"), state(4, 4)),
        new AppliedMarker(1, 2, 20));

    assertEquals(state(1, 1), store.get(key("01")), "only on disk");
    assertNull(store.get(key("02")), "deleted in the memtable over a value on disk");
    assertEquals(state(9, 9), store.get(key("03")), "overwritten in the memtable");
    assertEquals(state(4, 4), store.get(key("04")), "only in the memtable");
    assertNull(store.get(key("05")), "never written");
  }

  @Test
  void reopeningAfterFlushKeepsTheDataAndTheMarker() throws IOException {
    fill();
    List<String> before = StoreDump.of(store);
    Path path = rocks().path();
    rocks().flush();
    store.close();
    store = null;

    store = RocksDbBucketStore.open(path);
    assertEquals(before, StoreDump.of(store));
    assertEquals(new AppliedMarker(2, 5, 50), store.appliedMarker());
    assertEquals(new ExpiryCursor(4, key("aa")), store.expiryCursor());
    assertDue(store, key("03"));
    assertEquals(state(4, 4), store.get(key("03")));
    assertNull(store.get(key("02")));
  }

  @Test
  void aCheckpointOpensAsAStoreWithTheSameContents() throws IOException {
    fill(); // not flushed: the checkpoint must include what is only in memtables
    Path checkpoint = tempDir.resolve("checkpoint");
    store.checkpoint(checkpoint);
    assertTrue(Files.isDirectory(checkpoint));

    List<String> atCheckpoint = StoreDump.of(store);
    store.commit(writes(key("01"), null, key("04"), state(5, 5)), new AppliedMarker(2, 6, 60));

    try (RocksDbBucketStore copy = RocksDbBucketStore.open(checkpoint)) {
      assertEquals(atCheckpoint, StoreDump.of(copy));
      assertEquals(new AppliedMarker(2, 5, 50), copy.appliedMarker());
      assertEquals(new ExpiryCursor(4, key("aa")), copy.expiryCursor());
      assertDue(copy, key("03"));
      assertEquals(state(1, 1), copy.get(key("01")), "later commits do not reach the checkpoint");
      assertNull(copy.get(key("04")));
    }
    assertNull(store.get(key("01")), "nor does the checkpoint hold back the store");
  }

  @Test
  void aCheckpointTargetMustNotExist() throws IOException {
    fill();
    Path existing = Files.createDirectories(tempDir.resolve("existing"));
    assertThrows(IOException.class, () -> store.checkpoint(existing));
  }

  @Test
  void sizeIsAnEstimateButNotNonsense() {
    fill();
    long size = store.approximateSize();
    assertTrue(size >= 0 && size <= 10, "size " + size);
  }
}
