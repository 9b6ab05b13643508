package io.raftlimiter.bench.jmh;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.TokenBucket;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The token-bucket arithmetic alone: one refill, one acquire, as apply does per op. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BucketMathBenchmark {
  private final BucketLimit limit = BucketLimit.of(100, 50.0);
  private BucketState state;
  private long nowNanos;

  @Setup
  public void setUp() {
    nowNanos = 1_000_000_000L;
    state = BucketState.full(limit, nowNanos);
  }

  /** A steady stream on one key: 1 ms apart, so refills and rejections both happen. */
  @Benchmark
  public TokenBucket.Outcome tryAcquire() {
    nowNanos += 1_000_000L;
    TokenBucket.Outcome outcome = TokenBucket.tryAcquire(state, limit, 1, nowNanos);
    state = outcome.state();
    return outcome;
  }

  @Benchmark
  public BucketState refill() {
    nowNanos += 1_000_000L;
    return TokenBucket.refill(state, nowNanos);
  }
}
