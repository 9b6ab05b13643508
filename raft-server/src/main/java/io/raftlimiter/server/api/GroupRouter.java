package io.raftlimiter.server.api;

import io.raftlimiter.server.commit.GroupCommitter;

/** Finds the group that owns a key and the committer that gets ops into its log. */
@FunctionalInterface
public interface GroupRouter {
  GroupCommitter committerFor(byte[] key);
}
