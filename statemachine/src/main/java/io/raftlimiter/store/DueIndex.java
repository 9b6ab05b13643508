package io.raftlimiter.store;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ObjLongConsumer;

/**
 * An expiry index on the heap, in the order every store keeps it: by slot, then by key in
 * unsigned byte order. Not thread-safe; its owner guards it.
 *
 * <p>A slot's keys go into a hash set and are sorted once, when the slot is first read in order.
 * Keys are added to slots that are yet to come and read from slots that have passed, so each slot
 * is sorted at most about once, where a sorted set per slot paid a walk down its tree for every
 * key added. Most slots are never sorted: a visit that takes a slot whole, without reaching its
 * limit there, takes its keys in hash order ({@link BucketStore#visitDue} allows it), and sorting
 * was two fifths of a visit's cost under EVENTUAL load.
 */
final class DueIndex {
  /** The heap an entry takes besides its key's bytes: set node, key object, array header (about). */
  static final int ENTRY_OVERHEAD_BYTES = 112;

  private final TreeMap<Long, Slot> slots = new TreeMap<>();
  /** The slot last added to, and its number: an entry's adds mostly go to one or two slots. */
  private Slot lastAdded;
  private long lastAddedSlot;
  private int size;
  private long bytes;

  /** One slot's keys, and their sorted order once read (dropped when a key is added). */
  private static final class Slot {
    final Set<BucketKey> keys = new HashSet<>();
    byte[][] sorted;

    boolean add(BucketKey key) {
      if (!keys.add(key)) {
        return false;
      }
      sorted = null;
      return true;
    }

    byte[][] sorted() {
      if (sorted == null) {
        byte[][] inOrder = new byte[keys.size()][];
        int i = 0;
        for (BucketKey key : keys) {
          inOrder[i++] = key.bytes();
        }
        Arrays.sort(inOrder, Arrays::compareUnsigned);
        sorted = inOrder;
      }
      return sorted;
    }
  }

  /** Indexes {@code key} (held, not copied) in {@code slot}. */
  void add(long slot, BucketKey key) {
    if (lastAdded == null || lastAddedSlot != slot) {
      lastAdded = slots.computeIfAbsent(slot, s -> new Slot());
      lastAddedSlot = slot;
    }
    if (lastAdded.add(key)) {
      size++;
      bytes += key.bytes().length + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** Drops the slots below {@code slot}. */
  void dropBelow(long slot) {
    lastAdded = null;
    Map<Long, Slot> below = slots.headMap(slot);
    for (Slot dropped : below.values()) {
      size -= dropped.keys.size();
      for (BucketKey key : dropped.keys) {
        bytes -= key.bytes().length + ENTRY_OVERHEAD_BYTES;
      }
    }
    below.clear();
  }

  void clear() {
    lastAdded = null;
    slots.clear();
    size = 0;
    bytes = 0;
  }

  /** The number of entries: a key indexed in two slots counts twice. */
  int size() {
    return size;
  }

  /** The heap the entries take, about: their keys' bytes and their nodes. */
  long bytes() {
    return bytes;
  }

  /**
   * The first {@code limit} entries after {@code after} in slots below {@code toSlot}, in index
   * order, except that a slot taken whole before the limit is reached comes in hash order: which
   * entries are visited, and the last one when the limit is reached, are those of index order.
   */
  void visit(ExpiryCursor after, long toSlot, int limit, BucketStore.DueVisitor visitor) {
    visit(after, toSlot, limit, false, visitor);
  }

  /** {@link #visit}, every entry in index order: for merging with another index. */
  void visitInOrder(ExpiryCursor after, long toSlot, int limit, BucketStore.DueVisitor visitor) {
    visit(after, toSlot, limit, true, visitor);
  }

  private void visit(ExpiryCursor after, long toSlot, int limit, boolean inOrder,
      BucketStore.DueVisitor visitor) {
    if (after.slot() >= toSlot) {
      return;
    }
    int visited = 0;
    for (Map.Entry<Long, Slot> entry : slots.subMap(after.slot(), true, toSlot, false).entrySet()) {
      long slot = entry.getKey();
      Slot held = entry.getValue();
      boolean resumed = slot == after.slot() && after.lastKey() != null;
      if (!inOrder && !resumed && limit - visited > held.keys.size()) {
        // taken whole with budget to spare: neither what is visited nor where it stops depends
        // on the order within the slot
        for (BucketKey key : held.keys) {
          visitor.visit(slot, key.bytes());
        }
        visited += held.keys.size();
        continue;
      }
      byte[][] keys = held.sorted();
      int from = 0;
      if (resumed) {
        // a slot's keys are distinct: past the cursor's key if indexed, else where it would be
        int at = Arrays.binarySearch(keys, after.lastKey(), Arrays::compareUnsigned);
        from = at >= 0 ? at + 1 : -at - 1;
      }
      for (int i = from; i < keys.length; i++) {
        if (visited++ == limit) {
          return;
        }
        visitor.visit(slot, keys[i]);
      }
    }
  }

  /**
   * Visits every entry, in no particular order: a flush writes them into one RocksDB batch, which
   * orders them itself.
   */
  void forEach(ObjLongConsumer<BucketKey> visitor) {
    slots.forEach((slot, held) -> {
      for (BucketKey key : held.keys) {
        visitor.accept(key, slot);
      }
    });
  }
}
