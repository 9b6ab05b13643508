package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.runtime.LimitLabel;

/**
 * The operator's limit of a key whose request carries none: a prefix rule's, else the node's
 * default.
 */
@FunctionalInterface
public interface LimitResolver {
  OperatorLimit limitFor(byte[] key);

  /** Every key under {@code limit}, as the node's default: no rules. */
  static LimitResolver always(BucketLimit limit) {
    OperatorLimit only = new OperatorLimit(limit, LimitLabel.DEFAULT, false);
    return key -> only;
  }
}
