package io.raftlimiter.server.decide;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import java.util.concurrent.CompletableFuture;

/**
 * Decides acquires under one consistency mode. Never throws: a failure completes the future
 * exceptionally (with {@code GroupUnavailableException} when the owning group cannot decide),
 * and no failure is ever turned into an allowed decision.
 */
public interface Decider {
  CompletableFuture<Decision> decide(BucketOp op);
}
