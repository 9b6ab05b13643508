package io.raftlimiter.store;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An expiry index on the heap, in the order every store keeps it: by slot, then by key in
 * unsigned byte order. Not thread-safe; its owner guards it.
 */
final class DueIndex {
  /** The heap an entry takes besides its key's bytes: tree node, array header (about). */
  static final int ENTRY_OVERHEAD_BYTES = 64;

  private final TreeMap<Long, TreeSet<byte[]>> slots = new TreeMap<>();
  private int size;
  private long bytes;

  /** Indexes {@code key} (held, not copied) in {@code slot}. */
  void add(long slot, byte[] key) {
    if (slots.computeIfAbsent(slot, s -> new TreeSet<>(Arrays::compareUnsigned)).add(key)) {
      size++;
      bytes += key.length + ENTRY_OVERHEAD_BYTES;
    }
  }

  /** Drops the slots below {@code slot}. */
  void dropBelow(long slot) {
    Map<Long, TreeSet<byte[]>> below = slots.headMap(slot);
    for (TreeSet<byte[]> keys : below.values()) {
      size -= keys.size();
      for (byte[] key : keys) {
        bytes -= key.length + ENTRY_OVERHEAD_BYTES;
      }
    }
    below.clear();
  }

  void clear() {
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

  /** The entries after {@code after} in slots below {@code toSlot}, in order, at most {@code limit}. */
  void visit(ExpiryCursor after, long toSlot, int limit, BucketStore.DueVisitor visitor) {
    if (after.slot() >= toSlot) {
      return;
    }
    int visited = 0;
    for (Map.Entry<Long, TreeSet<byte[]>> slot
        : slots.subMap(after.slot(), true, toSlot, false).entrySet()) {
      NavigableSet<byte[]> keys = slot.getValue();
      if (slot.getKey() == after.slot() && after.lastKey() != null) {
        keys = keys.tailSet(after.lastKey(), false);
      }
      for (byte[] key : keys) {
        if (visited++ == limit) {
          return;
        }
        visitor.visit(slot.getKey(), key);
      }
    }
  }

  /** Visits every entry in index order. */
  void forEach(BucketStore.DueVisitor visitor) {
    slots.forEach((slot, keys) -> keys.forEach(key -> visitor.visit(slot, key)));
  }
}
