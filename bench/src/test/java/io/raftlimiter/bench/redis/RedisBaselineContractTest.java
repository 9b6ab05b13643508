package io.raftlimiter.bench.redis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.workload.KeySpace;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One contract for every Redis row: each decides as a token bucket of capacity 5 must, against a
 * real {@code redis-server} started for the test. The refill is one token per 1,000 s, so none
 * comes back while a test runs and every count below is exact. Skipped where redis-server is not
 * installed ({@code scripts/install-redis} installs it).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisBaselineContractTest {
  private static final String REDIS_SERVER = "redis-server";
  private static final long CAPACITY = 5;
  private static final double REFILL_PER_SECOND = 0.001;
  private static final int CONNECTIONS = 2;
  private static final KeySpace SPACE = new KeySpace("contract-");

  @BeforeAll
  static void needsRedisServer() {
    assumeTrue(RedisServer.available(REDIS_SERVER),
        REDIS_SERVER + " not installed (scripts/install-redis)");
  }

  /** Eight decisions on one key in one call, racing on the server: exactly five get through. */
  @ParameterizedTest
  @EnumSource(RedisBaseline.class)
  void aBatchOnOneKeyAdmitsExactlyTheCapacity(RedisBaseline baseline) throws Exception {
    try (RedisServer server = RedisServer.start(REDIS_SERVER, baseline.persistence());
        Target target = open(baseline, server)) {
      boolean[] allowed = decide(target, new int[] {7, 7, 7, 7, 7, 7, 7, 7}, 1);
      assertEquals(CAPACITY, count(allowed));
    }
  }

  /** One call at a time, on alternating connections: the first five are allowed, in order. */
  @ParameterizedTest
  @EnumSource(RedisBaseline.class)
  void callsOneAfterAnotherAreAllowedUntilTheBucketIsEmpty(RedisBaseline baseline)
      throws Exception {
    try (RedisServer server = RedisServer.start(REDIS_SERVER, baseline.persistence());
        Target target = open(baseline, server)) {
      boolean[] answers = new boolean[8];
      for (int i = 0; i < answers.length; i++) {
        answers[i] = decide(target, new int[] {1}, 1)[0];
      }
      assertArrayEquals(new boolean[] {true, true, true, true, true, false, false, false},
          answers);
    }
  }

  /** Permits count as tokens, and each key has a bucket of its own. */
  @ParameterizedTest
  @EnumSource(RedisBaseline.class)
  void permitsComeOutOfEachKeysOwnBucket(RedisBaseline baseline) throws Exception {
    try (RedisServer server = RedisServer.start(REDIS_SERVER, baseline.persistence());
        Target target = open(baseline, server)) {
      assertArrayEquals(new boolean[] {true, true, true}, decide(target, new int[] {1, 2, 3}, 3));
      assertArrayEquals(new boolean[] {true, true, true}, decide(target, new int[] {1, 2, 3}, 2));
      assertArrayEquals(new boolean[] {false, false}, decide(target, new int[] {1, 2}, 1));
      assertArrayEquals(new boolean[] {true}, decide(target, new int[] {4}, CAPACITY));
      assertArrayEquals(new boolean[] {false}, decide(target, new int[] {5}, CAPACITY + 1));
    }
  }

  private static Target open(RedisBaseline baseline, RedisServer server) {
    return baseline.open(server.port(), CONNECTIONS, CAPACITY, REFILL_PER_SECOND);
  }

  private static boolean[] decide(Target target, int[] keys, long permits) throws Exception {
    return target.call(SPACE, keys, permits).get(10, TimeUnit.SECONDS).allowed();
  }

  private static long count(boolean[] allowed) {
    long count = 0;
    for (boolean a : allowed) {
      count += a ? 1 : 0;
    }
    return count;
  }
}
