package io.raftlimiter.bench.redis;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.raftlimiter.bench.load.Answered;
import io.raftlimiter.bench.load.RoundRobin;
import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.workload.KeySpace;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Bucket4j's own Redis integration, as a team that takes a library off the shelf would run it:
 * its Lettuce proxy manager over {@code --redis-connections} connections taken in turn, one
 * greedy bandwidth of capacity {@code C} refilling {@code R} tokens/s, and an asynchronous
 * {@code tryConsume(permits)} per key.
 *
 * <p>How it decides: compare-and-swap, the only scheme Bucket4j 8.15 has over Lettuce. A
 * {@code tryConsume} reads the key's serialized bucket ({@code GET}), computes the new state in
 * this JVM, and writes it with a Lua script that swaps only if the stored bytes are still the
 * ones read; a lost race starts again. So a decision costs at least two round trips, and more
 * on a hot key that several calls update at once, where the Lua bucket of {@link
 * RedisTokenBucket} costs one.
 *
 * <p>Time is this client's wall clock ({@code System.currentTimeMillis()}, millisecond steps),
 * not Redis' {@code TIME} as in {@link RedisTokenBucket}: with clients on several machines the
 * refill would follow whichever clock wrote last. Here every client is this JVM, so there is one
 * clock, but a coarse one.
 */
public final class Bucket4jRedisBucket implements Target {
  /**
   * How long a full bucket's key is kept before it expires. Bucket4j computes the time to full
   * on the client's clock while Redis expires on its own; the margin keeps a key from expiring,
   * and coming back full, a moment before it really is full.
   */
  private static final Duration KEEP_WHEN_FULL = Duration.ofSeconds(1);
  /** The finest refill period: Bucket4j counts time in nanoseconds in a long (292 years). */
  private static final int MAX_PERIOD_DECIMALS = 9;

  private final RedisConnections<String, byte[]> connections;
  private final RoundRobin<RemoteAsyncBucketBuilder<String>> builders;
  /** Asked for only when a key has no bucket yet; already at hand, so never a wait. */
  private final Supplier<CompletableFuture<BucketConfiguration>> configuration;

  public Bucket4jRedisBucket(String host, int port, int connectionCount, long capacity,
      double refillPerSecond) {
    CompletableFuture<BucketConfiguration> configured =
        CompletableFuture.completedFuture(configuration(capacity, refillPerSecond));
    configuration = () -> configured;
    connections = new RedisConnections<>(host, port, connectionCount,
        RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    List<RemoteAsyncBucketBuilder<String>> perConnection = new ArrayList<>();
    try {
      connections.all().forEach(connection -> perConnection.add(Bucket4jLettuce
          .casBasedBuilder(connection)
          .clientClock(TimeMeter.SYSTEM_MILLISECONDS) // Bucket4j's default, said out loud
          .expirationAfterWrite(
              ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_WHEN_FULL))
          .build().asAsync().builder()));
    } catch (RuntimeException e) {
      connections.close();
      throw e;
    }
    builders = new RoundRobin<>(perConnection);
  }

  /**
   * A bucket of {@code capacity} tokens, full at first, refilled greedily (continuously, not in
   * steps) at {@code refillPerSecond}. Bucket4j takes the rate as whole tokens per period, so
   * the decimal rate as written becomes tokens per a power of ten seconds: 50 is 50 per second,
   * 0.25 is 25 per 100 s, exactly.
   */
  static BucketConfiguration configuration(long capacity, double refillPerSecond) {
    BigDecimal perSecond = BigDecimal.valueOf(refillPerSecond).stripTrailingZeros();
    int decimals = Math.max(0, Math.min(perSecond.scale(), MAX_PERIOD_DECIMALS));
    long tokens = perSecond.movePointRight(decimals).setScale(0, RoundingMode.HALF_UP)
        .longValueExact();
    if (tokens < 1) {
      throw new IllegalArgumentException("refill " + refillPerSecond + " tokens/s is below what "
          + "Bucket4j can express (one token per 10^" + MAX_PERIOD_DECIMALS + " s)");
    }
    Duration period = Duration.ofSeconds(BigDecimal.TEN.pow(decimals).longValueExact());
    return BucketConfiguration.builder()
        .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(tokens, period).build())
        .build();
  }

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    RemoteAsyncBucketBuilder<String> builder = builders.next();
    List<CompletableFuture<Boolean>> answers = new ArrayList<>(keys.length);
    for (int key : keys) {
      answers.add(builder.build(space.name(key), configuration).tryConsume(permits));
    }
    return Decisions.allowed(answers).thenApply(Answered::of);
  }

  @Override
  public void close() {
    connections.close();
  }
}
