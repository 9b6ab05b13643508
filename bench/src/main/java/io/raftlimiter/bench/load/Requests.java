package io.raftlimiter.bench.load;

import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.workload.KeySpace;

/**
 * The requests of one consistency mode, the same whichever client sends them, so that the client
 * kinds' rows differ only in how the call travels. The limit goes in each request only when asked
 * (an existing cluster whose defaults are unknown); otherwise the nodes' default limit applies.
 */
final class Requests {
  private final Consistency consistency;
  private final Limit limit; // null: the cluster's default

  Requests(Consistency consistency, Limit limit) {
    this.consistency = consistency;
    this.limit = limit;
  }

  AcquireRequest acquire(String key, long permits) {
    AcquireRequest.Builder builder = AcquireRequest.newBuilder().setKey(key).setPermits(permits)
        .setConsistency(consistency);
    if (limit != null) {
      builder.setLimit(limit);
    }
    return builder.build();
  }

  AcquireBatchRequest batch(KeySpace space, int[] keys, long permits) {
    AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
    for (int key : keys) {
      batch.addRequests(acquire(space.name(key), permits));
    }
    return batch.build();
  }

  static Answered answered(AcquireResponse response) {
    return new Answered(new boolean[] {response.getAllowed()}, response.getDecidedLocally());
  }

  /** A batch's answer: decided locally when every entry was. */
  static Answered answered(AcquireBatchResponse response) {
    boolean[] allowed = new boolean[response.getResponsesCount()];
    boolean local = allowed.length > 0;
    for (int i = 0; i < allowed.length; i++) {
      allowed[i] = response.getResponses(i).getAllowed();
      local &= response.getResponses(i).getDecidedLocally();
    }
    return new Answered(allowed, local);
  }
}
