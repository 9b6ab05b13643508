package io.raftlimiter.bench.load;

import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.client.RateLimiterClient;
import java.util.concurrent.CompletableFuture;

/**
 * Acquires through the Java client in one consistency mode: {@code Acquire} for one key,
 * {@code AcquireBatch} for several. The limit goes in each request only when asked (an existing
 * cluster whose defaults are unknown); otherwise the nodes' default limit applies.
 */
public final class ClusterTarget implements Target {
  private final RateLimiterClient client;
  private final Consistency consistency;
  private final Limit limit; // null: the cluster's default

  public ClusterTarget(RateLimiterClient client, Consistency consistency, Limit limit) {
    this.client = client;
    this.consistency = consistency;
    this.limit = limit;
  }

  @Override
  public CompletableFuture<boolean[]> call(KeySpace space, int[] keys, long permits) {
    if (keys.length == 1) {
      return client.acquireAsync(request(space.name(keys[0]), permits))
          .thenApply(response -> new boolean[] {response.getAllowed()});
    }
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    for (int key : keys) {
      batch.addRequests(request(space.name(key), permits));
    }
    return client.acquireBatchAsync(batch.build()).thenApply(response -> {
      boolean[] allowed = new boolean[response.getResponsesCount()];
      for (int i = 0; i < allowed.length; i++) {
        allowed[i] = response.getResponses(i).getAllowed();
      }
      return allowed;
    });
  }

  private AcquireRequest request(String key, long permits) {
    AcquireRequest.Builder builder = AcquireRequest.newBuilder().setKey(key).setPermits(permits)
        .setConsistency(consistency);
    if (limit != null) {
      builder.setLimit(limit);
    }
    return builder.build();
  }
}
