package io.raftlimiter.server.api;

import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.runtime.LimitLabel;

/**
 * An acquire that passed validation: the op to log and the consistency it asked for.
 *
 * @param ruleShadowed whether the op runs under a rule in shadow mode (its limit is that rule's,
 *     not one the request carried): a refusal is answered as allowed
 * @param label which limit the op runs under, for the metrics
 */
public record ValidatedAcquire(BucketOp op, ConsistencyMode consistency,
    boolean ruleShadowed, LimitLabel label) {}
