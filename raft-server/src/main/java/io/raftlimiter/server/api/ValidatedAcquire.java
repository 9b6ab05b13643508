package io.raftlimiter.server.api;

import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.decide.ConsistencyMode;

/** An acquire that passed validation: the op to log and the consistency it asked for. */
public record ValidatedAcquire(BucketOp op, ConsistencyMode consistency) {}
