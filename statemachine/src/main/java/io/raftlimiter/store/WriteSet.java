package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The bucket writes of one applied entry, with read-your-writes for keys touched twice in the
 * entry. Kept in first-touch order so that what reaches the store never depends on hash order.
 * A {@code null} state means delete.
 */
public final class WriteSet {
  private final Map<ByteBuffer, BucketState> writes = new LinkedHashMap<>();
  private byte[] sweepCursor;

  /** True when {@code key} was written in this set (its state, possibly null, is in {@link #get}). */
  public boolean contains(byte[] key) {
    return writes.containsKey(ByteBuffer.wrap(key));
  }

  public BucketState get(byte[] key) {
    return writes.get(ByteBuffer.wrap(key));
  }

  public void put(byte[] key, BucketState state) {
    writes.put(ByteBuffer.wrap(key), state);
  }

  /** The sweep cursor to store with these writes; null starts the next sweep from the first key. */
  public void sweepCursor(byte[] cursor) {
    this.sweepCursor = cursor;
  }

  public byte[] sweepCursor() {
    return sweepCursor;
  }

  public int size() {
    return writes.size();
  }

  public void forEach(BiConsumer<byte[], BucketState> visitor) {
    writes.forEach((key, state) -> visitor.accept(key.array(), state));
  }
}
