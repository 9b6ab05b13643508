package io.raftlimiter.server.api;

import io.raftlimiter.server.commit.GroupCommitter;

/** Finds the group that owns a key and the committer that gets ops into its log. */
public interface GroupRouter {
  GroupCommitter committerFor(byte[] key);

  /** Whether this node leads the group owning {@code key} (else its acquires are forwarded). */
  boolean leadsGroupOf(byte[] key);
}
