package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.runtime.LimitLabel;

/** The limit of a key whose request carries none: a prefix rule's, else the node's default. */
@FunctionalInterface
public interface LimitResolver {
  BucketLimit limitFor(byte[] key);

  /** Which limit {@link #limitFor} gives {@code key}, for the metrics. */
  default LimitLabel labelFor(byte[] key) {
    return LimitLabel.DEFAULT;
  }
}
