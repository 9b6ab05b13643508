package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;

/** A heap-only store, for tests and for replicas that do not need to survive a restart. */
public final class InMemoryBucketStore implements BucketStore {
  private final ConcurrentSkipListMap<byte[], BucketState> buckets =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  private volatile AppliedMarker marker = AppliedMarker.NONE;
  private volatile byte[] sweepCursor;

  @Override
  public BucketState get(byte[] key) {
    return buckets.get(key);
  }

  @Override
  public synchronized void commit(WriteSet writes, AppliedMarker newMarker) {
    writes.forEach((key, state) -> {
      if (state == null) {
        buckets.remove(key);
      } else {
        buckets.put(key.clone(), state);
      }
    });
    sweepCursor = writes.sweepCursor() == null ? null : writes.sweepCursor().clone();
    marker = newMarker;
  }

  @Override
  public void scan(byte[] afterKey, int limit, BiConsumer<byte[], BucketState> visitor) {
    var tail = afterKey == null ? buckets : buckets.tailMap(afterKey, false);
    int visited = 0;
    for (Map.Entry<byte[], BucketState> e : tail.entrySet()) {
      if (visited++ >= limit) {
        return;
      }
      visitor.accept(e.getKey().clone(), e.getValue());
    }
  }

  @Override
  public byte[] sweepCursor() {
    byte[] cursor = sweepCursor;
    return cursor == null ? null : cursor.clone();
  }

  @Override
  public AppliedMarker appliedMarker() {
    return marker;
  }

  @Override
  public void forEach(BiConsumer<byte[], BucketState> visitor) {
    for (Map.Entry<byte[], BucketState> e : buckets.entrySet()) {
      visitor.accept(e.getKey().clone(), e.getValue());
    }
  }

  @Override
  public long approximateSize() {
    return buckets.size();
  }

  @Override
  public void checkpoint(Path target) throws IOException {
    throw new IOException("an in-memory store has no checkpoints");
  }

  @Override
  public void close() {
    buckets.clear();
  }
}
