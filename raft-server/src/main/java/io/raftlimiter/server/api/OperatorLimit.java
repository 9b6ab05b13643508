package io.raftlimiter.server.api;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.runtime.LimitLabel;

/**
 * The limit the operator set for a key (a prefix rule's, or the node's default), read in one
 * lookup with what goes with it.
 *
 * @param label how the metrics name it
 * @param shadowed whether its rule is in shadow mode: refusals under it are answered as allowed
 */
public record OperatorLimit(BucketLimit bucket, LimitLabel label, boolean shadowed) {}
