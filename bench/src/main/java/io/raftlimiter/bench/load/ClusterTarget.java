package io.raftlimiter.bench.load;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.client.RateLimiterClient;
import java.util.concurrent.CompletableFuture;

/**
 * Acquires through the project's Java client in one consistency mode ({@code Acquire} for one
 * key, {@code AcquireBatch} for several), with the client's leader routing and retries: the
 * {@code java} client kind.
 */
public final class ClusterTarget implements Target {
  private final RateLimiterClient client;
  private final Requests requests;

  public ClusterTarget(RateLimiterClient client, Consistency consistency, Limit limit) {
    this.client = client;
    this.requests = new Requests(consistency, limit);
  }

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    if (keys.length == 1) {
      return client.acquireAsync(requests.acquire(space.name(keys[0]), permits))
          .thenApply(Requests::answered);
    }
    return client.acquireBatchAsync(requests.batch(space, keys, permits))
        .thenApply(Requests::answered);
  }
}
