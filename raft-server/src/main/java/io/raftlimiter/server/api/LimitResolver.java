package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;

/** The limit of a key whose request carries none: a prefix rule's, else the node's default. */
@FunctionalInterface
public interface LimitResolver {
  BucketLimit limitFor(byte[] key);
}
