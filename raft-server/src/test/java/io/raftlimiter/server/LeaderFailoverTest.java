package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.server.RecordingLoad.Outcome;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The leader dies under concurrent load from all nodes. The service must go on through the
 * survivors, and no token consumed before the crash may be forgotten: per key, the allowed
 * decisions over the whole run never exceed {@code capacity + refill * elapsed}.
 */
@Tag("cluster")
class LeaderFailoverTest {
  private static final long CAPACITY = 30;
  private static final double REFILL_PER_SECOND = 5;
  /** Enough keys that, with eight groups, some live in groups the killed node leads. */
  private static final int KEYS = 12;
  /** Calls that may fail while the group elects a new leader; never counted as allowed. */
  private static final Set<Status.Code> FAILOVER_ERRORS =
      Set.of(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);

  @TempDir Path dir;

  /** One data group, and eight spread over the three nodes (leaders balanced). */
  @ParameterizedTest(name = "{0} data group(s)")
  @ValueSource(ints = {1, 8})
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void survivorsKeepDecidingAndNoConsumedTokenIsForgotten(int groups) throws Exception {
    List<AcquireRequest> requests = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      requests.add(request("key-" + k, CAPACITY, REFILL_PER_SECOND));
    }
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.GROUPS, groups));
         RecordingLoad load = new RecordingLoad(fixture, requests, 24)) {
      var cluster = fixture.cluster();
      long firstSentNanos = RecordingLoad.wallNanos();
      for (int node = 0; node < cluster.size(); node++) {
        load.start(node);
      }
      // The bound means something only while the load asks for more than the buckets hold.
      fixture.await("every bucket drained and decisions through every node before the kill",
          Duration.ofSeconds(30), () -> allowedThroughEachNode(load, Set.of(0, 1, 2), 0) >= 1
              && requests.stream().allMatch(r -> load.count(o -> o.key().equals(r.getKey())
                  && o.response() != null && !o.allowed()) > 0));

      int leader = fixture.awaitLeader();
      load.halt(leader);
      cluster.stop(leader);
      long killedNanos = RecordingLoad.wallNanos();
      Set<Integer> survivors = Set.of(0, 1, 2).stream().filter(i -> i != leader)
          .collect(Collectors.toSet());
      // The buckets refill at REFILL_PER_SECOND per key: plenty to allow through both of them.
      fixture.await("allowed decisions through every survivor after the leader " + leader
          + " was stopped", Duration.ofSeconds(45),
          () -> allowedThroughEachNode(load, survivors, killedNanos) >= 3);
      load.stopAndDrain(ClusterFixture.CLIENT_DEADLINE.plusSeconds(20));

      List<Outcome> outcomes = load.outcomes();
      long lastAnsweredNanos = outcomes.stream().mapToLong(Outcome::answeredNanos).max().orElseThrow();
      double elapsedSeconds = (lastAnsweredNanos - firstSentNanos) / 1e9;
      double bound = CAPACITY + REFILL_PER_SECOND * elapsedSeconds;
      Map<String, Long> allowedByKey = new TreeMap<>(outcomes.stream().filter(Outcome::allowed)
          .collect(Collectors.groupingBy(Outcome::key, Collectors.counting())));
      Map<String, Long> rejectedByKey = new TreeMap<>(outcomes.stream()
          .filter(o -> o.response() != null && !o.allowed())
          .collect(Collectors.groupingBy(Outcome::key, Collectors.counting())));
      Map<Status.Code, Long> errors = outcomes.stream().filter(o -> o.error() != null)
          .collect(Collectors.groupingBy(Outcome::error, Collectors.counting()));
      String summary = String.format("%d calls in %.1f s, allowed by key %s (bound %.1f),"
          + " rejected by key %s, errors %s", outcomes.size(), elapsedSeconds, allowedByKey, bound,
          rejectedByKey, errors);
      System.out.println("leader failover: " + summary);
      outcomes.stream().filter(o -> o.error() != null).limit(5)
          .forEach(o -> System.out.println("  failed: " + o));

      assertTrue(errors.keySet().stream().allMatch(FAILOVER_ERRORS::contains),
          "only UNAVAILABLE or DEADLINE_EXCEEDED may fail a call: " + summary);
      assertTrue(outcomes.stream().allMatch(o -> (o.response() == null) != (o.error() == null)),
          "every call has either a response or an error");
      assertEquals(KEYS, allowedByKey.size(), "every key was allowed: " + summary);
      for (var entry : allowedByKey.entrySet()) {
        assertTrue(entry.getValue() <= bound, entry.getKey() + " was allowed " + entry.getValue()
            + " times, more than capacity + refill * elapsed = " + bound + ": " + summary);
      }
      for (Outcome outcome : outcomes) {
        if (outcome.response() != null) {
          long remaining = outcome.response().getRemaining();
          assertTrue(remaining >= 0 && remaining <= CAPACITY, "remaining out of range: " + outcome);
        }
      }
    }
  }

  /** The smallest number of allowed decisions sent through any of {@code nodes} after a time. */
  private static long allowedThroughEachNode(RecordingLoad load, Set<Integer> nodes, long sentAfterNanos) {
    long least = Long.MAX_VALUE;
    for (int node : nodes) {
      least = Math.min(least, load.count(
          o -> o.node() == node && o.allowed() && o.sentNanos() > sentAfterNanos));
    }
    return least;
  }
}
