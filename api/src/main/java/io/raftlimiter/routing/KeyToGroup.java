package io.raftlimiter.routing;

/**
 * Which of a cluster's {@code groups} data groups owns a key: Lamping and Veach's jump consistent
 * hash of the key's {@link KeyHash}.
 *
 * <p>Why not a ring of virtual points for keys too: the number of groups is fixed when a cluster
 * is created, so what matters is an even spread and a mapping every node and client computes alike
 * without state. Jump hash spreads keys as evenly as the hash allows (no virtual-point variance),
 * needs no memory, and, should the group count ever change, moves only the keys that must move.
 * Nodes, which do come and go, are placed on a ring instead ({@link PlacementRing}).
 */
public final class KeyToGroup {
  private final int groups;

  public KeyToGroup(int groups) {
    if (groups < 1) {
      throw new IllegalArgumentException("groups must be >= 1, got " + groups);
    }
    this.groups = groups;
  }

  public int groups() {
    return groups;
  }

  public int groupOf(String key) {
    return jump(KeyHash.of(key), groups);
  }

  public int groupOf(byte[] key) {
    return jump(KeyHash.of(key), groups);
  }

  /** Jump consistent hash: a bucket in {@code [0, buckets)} for a 64-bit key. */
  static int jump(long key, int buckets) {
    long b = -1;
    long j = 0;
    while (j < buckets) {
      b = j;
      key = key * 2862933555777941757L + 1;
      j = (long) ((b + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
    }
    return (int) b;
  }
}
