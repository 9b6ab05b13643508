package io.raftlimiter.server.api;

/** The consistency a decision is made under. */
public enum ConsistencyMode {
  /** Through the owning group's Raft log: linearizable, never over-admits. */
  STRONG,
  /** Local decisions with bounded over-admission (not implemented yet). */
  EVENTUAL
}
