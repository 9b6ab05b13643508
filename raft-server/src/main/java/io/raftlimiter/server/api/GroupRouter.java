package io.raftlimiter.server.api;

import io.raftlimiter.server.commit.GroupCommitter;

/** Finds the group that owns a key, the committer that gets ops into its log, and its leader. */
public interface GroupRouter {
  /** The index of the data group owning {@code key}. */
  int groupOf(byte[] key);

  GroupCommitter committer(int group);

  /** Whether this node leads data group {@code group} (else its acquires are forwarded). */
  boolean leads(int group);
}
