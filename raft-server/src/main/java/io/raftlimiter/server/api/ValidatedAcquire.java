package io.raftlimiter.server.api;

import io.raftlimiter.entry.BucketOp;

/** An acquire that passed validation: the op to log and the consistency it asked for. */
public record ValidatedAcquire(BucketOp op, ConsistencyMode consistency) {}
