package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many concurrent acquires through all three nodes (followers forward to the leader) on buckets
 * whose refill is negligible over the test (0.001 tokens per second: under 0.2 tokens within the
 * timeout). Each bucket must allow exactly its capacity, not one more and not one less, and the
 * {@code remaining} of the allowed answers must count down through every value exactly once.
 */
@Tag("cluster")
class ExactLimitTest {
  private static final double REFILL_PER_SECOND = 0.001;

  /** Key, permits per request, capacity: allowed exactly capacity / permits times. */
  private record Bucket(String key, long permits, long capacity) {
    long expectedAllowed() {
      return capacity / permits;
    }
  }

  private static final List<Bucket> BUCKETS = List.of(
      new Bucket("user-a", 1, 200),
      new Bucket("user-b", 1, 200),
      new Bucket("user-c", 1, 200),
      new Bucket("bulk", 3, 300),
      new Bucket("tiny", 1, 1));

  @TempDir Path dir;

  /** One data group, and eight spread over the three nodes (leaders balanced). */
  @ParameterizedTest(name = "{0} data group(s)")
  @ValueSource(ints = {1, 8})
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void concurrentAcquiresThroughEveryNodeAllowExactlyTheCapacity(int groups) throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.GROUPS, groups))) {
      // Each bucket is asked 3x what it holds, interleaved over buckets and nodes.
      List<AcquireRequest> requests = new ArrayList<>();
      for (int round = 0; round < 600; round++) {
        for (Bucket bucket : BUCKETS) {
          if (round < 3 * bucket.expectedAllowed()) {
            requests.add(request(bucket.key(), bucket.permits(), bucket.capacity(), REFILL_PER_SECOND));
          }
        }
      }
      int[] nodes = {0, 1, 2};
      List<AcquireResponse> responses = fixture.acquireAll(requests, nodes, 192);

      Map<String, List<AcquireResponse>> byKey = new HashMap<>();
      Map<Integer, Long> allowedByNode = new HashMap<>();
      for (int j = 0; j < requests.size(); j++) {
        AcquireRequest sent = requests.get(j);
        AcquireResponse answer = responses.get(j);
        assertEquals(sent.getLimit(), answer.getLimit(), "the answer echoes the request's limit");
        byKey.computeIfAbsent(sent.getKey(), k -> new ArrayList<>()).add(answer);
        if (answer.getAllowed()) {
          allowedByNode.merge(nodes[j % nodes.length], 1L, Long::sum);
        }
      }
      for (Bucket bucket : BUCKETS) {
        List<AcquireResponse> answers = byKey.get(bucket.key());
        List<AcquireResponse> allowed = answers.stream().filter(AcquireResponse::getAllowed).toList();
        List<AcquireResponse> rejected = answers.stream().filter(r -> !r.getAllowed()).toList();
        assertEquals(bucket.expectedAllowed(), allowed.size(), bucket.key() + ": allowed count");

        Set<Long> remaining = allowed.stream().map(AcquireResponse::getRemaining)
            .collect(Collectors.toCollection(TreeSet::new));
        Set<Long> expected = LongStream.range(0, bucket.expectedAllowed())
            .map(i -> i * bucket.permits())
            .boxed()
            .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expected, remaining,
            bucket.key() + ": each allowed answer leaves a distinct remaining, down to 0");
        assertTrue(allowed.stream().allMatch(r -> r.getRetryAfterMillis() == 0),
            bucket.key() + ": an allowed answer has retry_after 0");
        for (AcquireResponse r : rejected) {
          assertTrue(r.getRemaining() >= 0 && r.getRemaining() < bucket.permits(),
              bucket.key() + ": a rejection leaves fewer tokens than asked for: " + r);
          assertTrue(r.getRetryAfterMillis() > 0, bucket.key() + ": a rejection says when: " + r);
        }
      }
      // Every node decided some: followers forwarded, not only the leader answered.
      assertEquals(Set.of(0, 1, 2), allowedByNode.keySet(), "allowed through each node: " + allowedByNode);
      long counted = 0;
      for (int i = 0; i < 3; i++) {
        counted += fixture.cluster().node(i).metrics().allowedCount();
      }
      long totalAllowed = BUCKETS.stream().mapToLong(Bucket::expectedAllowed).sum();
      assertEquals(totalAllowed, counted, "the nodes' metrics count the same allowed decisions");
    }
  }
}
