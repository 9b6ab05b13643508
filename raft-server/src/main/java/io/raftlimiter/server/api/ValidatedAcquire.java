package io.raftlimiter.server.api;

import io.raftlimiter.entry.AcquireOp;

/** An acquire that passed validation: the op to log and the consistency it asked for. */
public record ValidatedAcquire(AcquireOp op, ConsistencyMode consistency) {}
