package io.raftlimiter.server.api;

import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.runtime.LimitLabel;

/**
 * An acquire that passed validation: the op to log and the consistency it asked for.
 *
 * @param underOperatorLimit whether the op's limit is the operator's (a rule's or the node's
 *     default) rather than one the request carried, so that a rule's shadow mode applies to it
 * @param label which limit the op runs under, for the metrics
 */
public record ValidatedAcquire(BucketOp op, ConsistencyMode consistency,
    boolean underOperatorLimit, LimitLabel label) {}
