package io.raftlimiter.bench.load;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthGrpc;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per node and nothing more: each call goes to the next node in turn, as a
 * client written from the proto alone (Envoy, a Go service) would send it. There is no leader
 * routing and no retry, so a STRONG call often lands on a follower, which forwards it: the row
 * shows what that costs next to the {@code java} client's.
 *
 * <p>Answers are handled on the channels' network threads ({@code directExecutor}): the load
 * generator's callback only counts and records, never blocks, so a hop to an executor would be
 * pure overhead. gRPC's shared event loops (two threads per core) serve all channels.
 */
public final class PlainChannels implements AutoCloseable {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final RoundRobin<RateLimiterGrpc.RateLimiterStub> stubs;
  private final RoundRobin<HealthGrpc.HealthStub> health;

  public PlainChannels(List<String> endpoints) {
    List<RateLimiterGrpc.RateLimiterStub> perNode = new ArrayList<>();
    List<HealthGrpc.HealthStub> healthPerNode = new ArrayList<>();
    for (String endpoint : endpoints) {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext()
          .directExecutor().build();
      channels.add(channel);
      perNode.add(RateLimiterGrpc.newStub(channel));
      healthPerNode.add(HealthGrpc.newStub(channel));
    }
    this.stubs = new RoundRobin<>(perNode);
    this.health = new RoundRobin<>(healthPerNode);
  }

  /** The stub of the node whose turn it is. */
  RateLimiterGrpc.RateLimiterStub next() {
    return stubs.next();
  }

  /** A channel to each node, in the endpoints' order. */
  public List<ManagedChannel> channels() {
    return List.copyOf(channels);
  }

  /** The health stub of the node whose turn it is (its own turns, apart from the stubs'). */
  HealthGrpc.HealthStub nextHealth() {
    return health.next();
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    try {
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
