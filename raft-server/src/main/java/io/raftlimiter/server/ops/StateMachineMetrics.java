package io.raftlimiter.server.ops;

import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.statemachine.RateLimiterStateMachine;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The metrics of the state machines of the data replicas a node hosts, summed (or the largest
 * taken) over them at each scrape. Their counts are exposed as counters, though a replica that
 * leaves takes its share with it: Prometheus reads that as a counter reset.
 */
public final class StateMachineMetrics {
  private StateMachineMetrics() {}

  /** Registers them in {@code metrics}, read from {@code hosted} at each scrape. */
  public static void register(NodeMetrics metrics,
      Supplier<Stream<RateLimiterStateMachine>> hosted) {
    metrics.counterOf("raftlimiter_time_stamps_clamped",
        "entry stamps this node's replicas raised to the last applied stamp",
        () -> hosted.get().mapToLong(RateLimiterStateMachine::clampedStamps).sum());
    metrics.counterOf("raftlimiter_dedup_forgotten_early",
        "outcomes of ops with ids forgotten before their window ended (the table was full)",
        () -> hosted.get().mapToLong(RateLimiterStateMachine::recentOpsForgottenEarly).sum());
    metrics.gauge("raftlimiter_time_clock_skew_max_ms",
        "the largest gap, over this node's groups, between a leader's stamps and its wall clock",
        () -> hosted.get()
            .mapToLong(sm -> Math.abs(TimeUnit.NANOSECONDS.toMillis(sm.clockSkewNanos())))
            .max().orElse(0));
  }
}
