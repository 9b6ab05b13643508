package io.raftlimiter.store;

import io.raftlimiter.bucket.BucketState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.ObjLongConsumer;

/**
 * The writes of one applied entry, with read-your-writes for keys touched twice in the entry:
 * bucket states (a {@code null} state means delete), the keys to index for expiry and how far
 * expiry has gone. Kept in first-touch order so that what reaches the store follows the entry
 * (the deletes of an expiry slot visited whole come in the order the store visited them, which
 * may differ between replicas; they are distinct keys, so the state they leave does not).
 *
 * <p>The set owns its keys, and a store may keep them as they are: keys given as bytes are
 * copied, and a {@link BucketKey} is already a key whose bytes nobody changes.
 */
public final class WriteSet {
  private record Due(long slot, BucketKey key) {}

  private final Map<BucketKey, BucketState> writes;
  private final List<Due> due;
  private ExpiryCursor expiryCursor = ExpiryCursor.START;

  public WriteSet() {
    this(16);
  }

  /** A set sized for about {@code expectedKeys} keys, so that filling it does not regrow it. */
  public WriteSet(int expectedKeys) {
    int keys = Math.max(expectedKeys, 1);
    this.writes = new LinkedHashMap<>((int) Math.min((keys * 4L) / 3 + 1, 1 << 30));
    this.due = new ArrayList<>(keys);
  }

  /** True when {@code key} was written in this set (its state, possibly null, is in {@link #get}). */
  public boolean contains(BucketKey key) {
    return writes.containsKey(key);
  }

  public BucketState get(BucketKey key) {
    return writes.get(key);
  }

  public void put(BucketKey key, BucketState state) {
    writes.put(key, state);
  }

  /** Indexes {@code key} for expiry in {@code slot} (see {@link ExpirySlots}). */
  public void expireAt(long slot, BucketKey key) {
    due.add(new Due(slot, key));
  }

  public boolean contains(byte[] key) {
    return contains(BucketKey.of(key));
  }

  public BucketState get(byte[] key) {
    return get(BucketKey.of(key));
  }

  /** {@link #put(BucketKey, BucketState)} of a copy of {@code key}. */
  public void put(byte[] key, BucketState state) {
    put(BucketKey.of(key.clone()), state);
  }

  /** {@link #expireAt(long, BucketKey)} of a copy of {@code key}. */
  public void expireAt(long slot, byte[] key) {
    expireAt(slot, BucketKey.of(key.clone()));
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
    writes.forEach((key, state) -> visitor.accept(key.bytes(), state));
  }

  /** {@link #forEach} with the keys as the set holds them. */
  public void forEachKey(BiConsumer<BucketKey, BucketState> visitor) {
    writes.forEach(visitor);
  }

  /** Visits the keys indexed by {@link #expireAt}, in the order they were indexed. */
  public void forEachDue(ObjLongConsumer<byte[]> visitor) {
    for (Due d : due) {
      visitor.accept(d.key().bytes(), d.slot());
    }
  }

  /** {@link #forEachDue} with the keys as the set holds them. */
  public void forEachDueKey(ObjLongConsumer<BucketKey> visitor) {
    for (Due d : due) {
      visitor.accept(d.key(), d.slot());
    }
  }
}
