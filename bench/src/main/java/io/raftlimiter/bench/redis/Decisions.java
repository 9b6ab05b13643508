package io.raftlimiter.bench.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Joins one answer per key, as a Redis client gives them, into the one answer a call owes. */
final class Decisions {
  private Decisions() {}

  /**
   * Completes with each key's flag, in order, once all have come; exceptionally if any failed
   * (a call is answered whole, as the raftlimiter batch is).
   */
  static CompletableFuture<boolean[]> allowed(List<CompletableFuture<Boolean>> perKey) {
    return CompletableFuture.allOf(perKey.toArray(CompletableFuture[]::new)).thenApply(done -> {
      boolean[] allowed = new boolean[perKey.size()];
      for (int i = 0; i < allowed.length; i++) {
        allowed[i] = perKey.get(i).join();
      }
      return allowed;
    });
  }
}
