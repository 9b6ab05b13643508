package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;

/**
 * The writes of one applied entry, with read-your-writes for keys touched twice in the entry:
 * bucket states (a {@code null} state means delete), the keys to index for expiry and how far
 * expiry has gone. Kept in first-touch order so that what reaches the store never
 * depends on hash order.
 */
public final class WriteSet {
  private record Due(long slot, byte[] key) {}

  private final Map<ByteBuffer, BucketState> writes = new LinkedHashMap<>();
  private final List<Due> due = new ArrayList<>();
  private ExpiryCursor expiryCursor = ExpiryCursor.START;

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

  /** Indexes {@code key} for expiry in {@code slot} (see {@link ExpirySlots}). */
  public void expireAt(long slot, byte[] key) {
    due.add(new Due(slot, key));
  }

  /** Expiry is done below {@code slot}: short for {@link #expiryCursor(ExpiryCursor)} at it. */
  public void expiredBelowSlot(long slot) {
    this.expiryCursor = ExpiryCursor.at(slot);
  }

  /**
   * How far expiry has gone, to store with these writes; the store drops its index of the slots
   * from its previous cursor's slot up to this one's.
   */
  public void expiryCursor(ExpiryCursor cursor) {
    this.expiryCursor = cursor;
  }

  public ExpiryCursor expiryCursor() {
    return expiryCursor;
  }

  public int size() {
    return writes.size();
  }

  public void forEach(BiConsumer<byte[], BucketState> visitor) {
    writes.forEach((key, state) -> visitor.accept(key.array(), state));
  }

  /** Visits the keys indexed by {@link #expireAt}, in the order they were indexed. */
  public void forEachDue(ObjLongConsumer<byte[]> visitor) {
    for (Due d : due) {
      visitor.accept(d.key(), d.slot());
    }
  }
}
