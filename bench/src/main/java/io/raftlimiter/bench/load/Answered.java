package io.raftlimiter.bench.load;

/**
 * What one call answered: whether each of its decisions allowed, in order, and whether the node
 * decided all of them at once from what it held (the response's {@code decided_locally}: an
 * EVENTUAL view or a LEASED share), with no round through their group. A carrier, not a value:
 * its {@code equals} compares the array's identity, as a record's does.
 */
public record Answered(boolean[] allowed, boolean local) {
  /** The answer of a target that does not say where it decided (Redis, a ping, a Raft floor). */
  public static Answered of(boolean[] allowed) {
    return new Answered(allowed, false);
  }
}
