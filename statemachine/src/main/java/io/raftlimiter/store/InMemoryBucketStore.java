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
  /** Expiry index: slot → keys indexed there, visited in index order ({@link DueIndex}). */
  private final DueIndex due = new DueIndex();
  private volatile ExpiryCursor expiryCursor = ExpiryCursor.START;
  private volatile byte[] recentOps;

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
    writes.forEachDueKey((key, slot) -> due.add(slot, key));
    due.dropBelow(writes.expiryCursor().slot());
    expiryCursor = writes.expiryCursor();
    marker = newMarker;
  }

  @Override
  public synchronized void visitDue(ExpiryCursor after, long toSlot, int limit,
      DueVisitor visitor) {
    due.visit(after, toSlot, limit, (slot, key) -> visitor.visit(slot, key.clone()));
  }

  @Override
  public ExpiryCursor expiryCursor() {
    return expiryCursor;
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
  public void saveRecentOps(byte[] encoded) {
    recentOps = encoded.clone();
  }

  @Override
  public byte[] savedRecentOps() {
    byte[] saved = recentOps;
    return saved == null ? null : saved.clone();
  }

  @Override
  public void checkpoint(Path target) throws IOException {
    throw new IOException("an in-memory store has no checkpoints");
  }

  @Override
  public void close() {
    buckets.clear();
    synchronized (this) {
      due.clear();
    }
  }
}
