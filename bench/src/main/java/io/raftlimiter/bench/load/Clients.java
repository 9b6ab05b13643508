package io.raftlimiter.bench.load;

import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bench.measure.RaftEntryCounter;
import io.raftlimiter.client.RateLimiterClient;
import java.time.Duration;
import java.util.List;

/**
 * The connections of both client kinds to one cluster, opened once and shared by every mode's
 * target, so that connection set-up is never measured.
 */
public final class Clients implements AutoCloseable {
  private final RateLimiterClient java;
  private final PlainChannels plain;
  private final Limit limit;
  private final Duration deadline;

  public Clients(List<String> endpoints, Limit limit, Duration deadline) {
    // Taking turns over the nodes spreads EVENTUAL calls (any node decides them); STRONG and
    // LEASED calls still go to their group's leader.
    // The load's callbacks only record and release a permit: they may run on the transport's
    // thread, as before the client handed answers to an executor, so the figures stay comparable.
    this.java = RateLimiterClient.newBuilder().endpoints(endpoints).roundRobin(true)
        .deadline(deadline).callbackExecutor(Runnable::run).build();
    this.plain = new PlainChannels(endpoints);
    this.limit = limit;
    this.deadline = deadline;
  }

  public Target target(ClientKind kind, Consistency mode) {
    return switch (kind) {
      case PLAIN -> new PlainTarget(plain, new Requests(mode, limit), deadline.toNanos());
      case JAVA -> new ClusterTarget(java, mode, limit);
    };
  }

  /**
   * A {@code grpc.health.v1} Check per call over the plain client's channels, in turn over the
   * nodes: a gRPC round trip with no work behind it, the floor any mode's latency sits on.
   */
  public Target ping() {
    return new PingTarget(plain, deadline.toNanos());
  }

  /** The data groups' committed entries, read over the plain client's channels. */
  public RaftEntryCounter raftEntries() {
    return new RaftEntryCounter(plain.channels());
  }

  @Override
  public void close() {
    try {
      plain.close();
    } finally {
      java.close();
    }
  }
}
