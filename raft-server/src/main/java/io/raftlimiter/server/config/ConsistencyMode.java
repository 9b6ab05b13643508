package io.raftlimiter.server.config;

/** The consistency a decision is made under (docs/DESIGN.md, "Consistency modes"). */
public enum ConsistencyMode {
  /** Through the owning group's Raft log: linearizable, never over-admits. */
  STRONG,
  /** At once from this node's view of the bucket, synced in batches: bounded over-admission. */
  EVENTUAL,
  /** Within a lease on a share of a hot key's tokens; cold keys as STRONG. Never over-admits. */
  LEASED
}
