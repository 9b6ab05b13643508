package io.raftlimiter.entry;

/**
 * What an op does to its bucket. STRONG decisions are {@link #ACQUIRE}s; the other kinds carry the
 * traffic of the modes that decide on the node: a LEASED node takes a share of the tokens up front
 * and gives back what it did not use, an EVENTUAL node reports the hits it has already admitted.
 */
public enum OpKind {
  /** Take {@code permits} tokens if they are all there, else nothing. */
  ACQUIRE((byte) 0),
  /** Take as many whole tokens as are there, up to {@code permits}: a lease's share. */
  LEASE((byte) 1),
  /**
   * Take {@code permits} tokens whether or not they are there: hits a node has already admitted.
   * The bucket may go below zero (a debt later refill pays off); 0 permits reads the bucket.
   */
  CHARGE((byte) 2),
  /** Put back {@code permits} unused lease tokens, up to the capacity. */
  RETURN((byte) 3),
  /**
   * An operator's reset: the bucket holds its capacity again (less what is out on lease);
   * {@code permits} is 0. Nodes older than this kind cannot apply it: reset only once every
   * node runs a version that knows it.
   */
  RESET((byte) 4),
  /**
   * An operator's look at the bucket: changes nothing, answers its tokens at the entry's time
   * under the limit it was last used with; {@code permits} is 0. Like {@link #RESET}, only for a
   * cluster whose every node knows it.
   */
  PEEK((byte) 5);

  private final byte code;

  OpKind(byte code) {
    this.code = code;
  }

  public byte code() {
    return code;
  }

  /** The kind with wire code {@code code}, or {@code null} for an unknown code. */
  public static OpKind ofCode(byte code) {
    return code >= 0 && code < VALUES.length ? VALUES[code] : null;
  }

  private static final OpKind[] VALUES = values();
}
