package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InMemoryBucketStoreTest extends BucketStoreContract {

  @Override
  BucketStore open(Path directory) {
    return new InMemoryBucketStore();
  }

  @Test
  void sizeIsExact() {
    store.commit(writes(key("01"), state(1, 1), key("02"), state(2, 2)), new AppliedMarker(1, 1, 1));
    assertEquals(2, store.approximateSize());
    store.commit(writes(key("01"), null), new AppliedMarker(1, 2, 1));
    assertEquals(1, store.approximateSize());
  }

  @Test
  void hasNoCheckpoints() {
    assertThrows(IOException.class, () -> store.checkpoint(tempDir.resolve("checkpoint")));
  }
}
