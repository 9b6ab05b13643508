package io.raftlimiter.bench.load;

import io.raftlimiter.bench.workload.KeySpace;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Something that decides token-bucket acquires: a raftlimiter cluster in one mode, or Redis. */
public interface Target extends AutoCloseable {
  /**
   * One call deciding {@code permits} on each of {@code keys} (a single acquire when there is one
   * key); completes with whether each was allowed, in order, and whether they were decided
   * locally, or exceptionally.
   */
  CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits);

  /**
   * Whether the answers are token-bucket decisions, to be checked against the bucket; a
   * reference row that decides nothing (a ping) answers {@code false}.
   */
  default boolean decides() {
    return true;
  }

  @Override
  default void close() throws IOException {}
}
