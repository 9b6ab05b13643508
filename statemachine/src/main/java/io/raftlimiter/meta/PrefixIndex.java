package io.raftlimiter.meta;

import java.util.Arrays;
import java.util.List;

/**
 * Longest-prefix lookup over byte strings, in memory proportional to their bytes: the prefixes
 * in one array, sorted unsigned-lexicographically, plus three ints a prefix. (A byte trie took
 * an object and two arrays per byte: 10,000 prefixes of 512 bytes made ~400 MB.)
 *
 * <p>Why it finds the longest match: let {@code p} be the greatest prefix not above the key. Every
 * prefix {@code q} of the key sorts between {@code q} and the key, and every string between them
 * starts with {@code q}, so {@code q} is also a prefix of {@code p}. Walking from {@code p} to
 * the longest proper prefix among the entries ({@code parent}), then its parent, visits all of
 * them, longest first; the first no longer than the bytes {@code p} shares with the key matches.
 * A lookup is a binary search and a walk of at most one step per key byte; it allocates nothing.
 */
final class PrefixIndex {
  /** No entry. */
  static final int NONE = -1;

  private final byte[] bytes;
  /** Where entry {@code i} starts in {@link #bytes}; it ends where entry {@code i+1} starts. */
  private final int[] starts;
  /** The entry of each entry's longest proper prefix, or {@link #NONE}. */
  private final int[] parents;

  /** @param sorted distinct byte strings, unsigned-lexicographically ascending */
  PrefixIndex(List<byte[]> sorted) {
    int total = 0;
    for (byte[] prefix : sorted) {
      total = Math.addExact(total, prefix.length);
    }
    bytes = new byte[total];
    starts = new int[sorted.size() + 1];
    parents = new int[sorted.size()];
    int[] chain = new int[sorted.size()]; // the entries that are prefixes of the current one
    int depth = 0;
    for (int i = 0; i < sorted.size(); i++) {
      byte[] prefix = sorted.get(i);
      if (i > 0 && Arrays.compareUnsigned(sorted.get(i - 1), prefix) >= 0) {
        throw new IllegalArgumentException("prefixes must be distinct and sorted");
      }
      System.arraycopy(prefix, 0, bytes, starts[i], prefix.length);
      starts[i + 1] = starts[i] + prefix.length;
      while (depth > 0 && commonLength(chain[depth - 1], prefix, prefix.length)
          < length(chain[depth - 1])) {
        depth--; // sorted order: once an entry stops being a prefix, no later one extends it
      }
      parents[i] = depth == 0 ? NONE : chain[depth - 1];
      chain[depth++] = i;
    }
  }

  int size() {
    return parents.length;
  }

  /** The entry of the longest prefix {@code key} starts with, or {@link #NONE}. */
  int longestMatch(byte[] key) {
    int entry = greatestNotAbove(key);
    if (entry == NONE) {
      return NONE;
    }
    int shared = commonLength(entry, key, key.length);
    while (entry != NONE && length(entry) > shared) {
      entry = parents[entry];
    }
    return entry;
  }

  /** The last entry that sorts at or before {@code key}, or {@link #NONE}. */
  private int greatestNotAbove(byte[] key) {
    int low = 0;
    int high = size() - 1;
    int found = NONE;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int order = Arrays.compareUnsigned(bytes, starts[mid], starts[mid + 1], key, 0, key.length);
      if (order <= 0) {
        found = mid;
        low = mid + 1;
      } else {
        high = mid - 1;
      }
    }
    return found;
  }

  private int length(int entry) {
    return starts[entry + 1] - starts[entry];
  }

  /** How many leading bytes entry {@code entry} shares with {@code other[0, otherLength)}. */
  private int commonLength(int entry, byte[] other, int otherLength) {
    int mismatch = Arrays.mismatch(bytes, starts[entry], starts[entry + 1], other, 0, otherLength);
    return mismatch < 0 ? length(entry) : mismatch;
  }
}
