package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** A heap-only store, for tests and for replicas that do not need to survive a restart. */
public final class InMemoryBucketStore implements BucketStore {
  private final ConcurrentSkipListMap<byte[], BucketState> buckets =
      new ConcurrentSkipListMap<>(Arrays::compareUnsigned);
  private volatile AppliedMarker marker = AppliedMarker.NONE;
  /** Expiry index: slot → keys indexed there, in unsigned key order. */
  private final TreeMap<Long, TreeSet<byte[]>> due = new TreeMap<>();
  private volatile long expiredBelowSlot;
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
    writes.forEachDue((key, slot) ->
        due.computeIfAbsent(slot, x -> new TreeSet<>(Arrays::compareUnsigned)).add(key.clone()));
    due.headMap(writes.expiredBelowSlot()).clear();
    expiredBelowSlot = writes.expiredBelowSlot();
    marker = newMarker;
  }

  @Override
  public synchronized void visitDue(long fromSlot, long toSlot, Consumer<byte[]> visitor) {
    if (fromSlot >= toSlot) {
      return;
    }
    for (TreeSet<byte[]> keys : due.subMap(fromSlot, toSlot).values()) {
      keys.forEach(key -> visitor.accept(key.clone()));
    }
  }

  @Override
  public long expiredBelowSlot() {
    return expiredBelowSlot;
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
