package io.raftlimiter.bench;

import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.client.RateLimiterClient;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: {@code concurrency} calls always in flight, each an {@code Acquire} (or an
 * {@code AcquireBatch} of {@code batchSize}) on uniformly random keys, for a warm-up and then a
 * measured period. Latency is recorded per call in an HdrHistogram.
 */
final class LoadRun {
  record Result(long calls, long decisions, long allowed, long rejected, long errors,
      double seconds, org.HdrHistogram.Histogram latencyMicros) {
    double decisionsPerSecond() {
      return decisions / seconds;
    }
  }

  private final RateLimiterClient client;
  private final int concurrency;
  private final int keys;
  private final int batchSize;

  LoadRun(RateLimiterClient client, int concurrency, int keys, int batchSize) {
    this.client = client;
    this.concurrency = concurrency;
    this.keys = keys;
    this.batchSize = batchSize;
  }

  Result run(double warmupSeconds, double seconds) throws InterruptedException {
    drive(warmupSeconds, new Counters());
    Counters counters = new Counters();
    long start = System.nanoTime();
    drive(seconds, counters);
    double elapsed = (System.nanoTime() - start) / 1e9;
    return new Result(counters.calls.sum(), counters.allowed.sum() + counters.rejected.sum(),
        counters.allowed.sum(), counters.rejected.sum(), counters.errors.sum(), elapsed,
        counters.latency.getIntervalHistogram());
  }

  private static final class Counters {
    final LongAdder calls = new LongAdder();
    final LongAdder allowed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder errors = new LongAdder();
    final Recorder latency = new Recorder(3);
  }

  private void drive(double seconds, Counters counters) throws InterruptedException {
    if (seconds <= 0) {
      return;
    }
    Semaphore inFlight = new Semaphore(concurrency);
    SplittableRandom random = new SplittableRandom();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      if (!inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        continue;
      }
      long sent = System.nanoTime();
      if (batchSize <= 1) {
        client.acquireAsync(request(random)).whenComplete((r, e) -> {
          record(counters, sent, e == null ? 1 : 0, e == null && r.getAllowed() ? 1 : 0, e);
          inFlight.release();
        });
      } else {
        AcquireBatchRequest.Builder batch = AcquireBatchRequest.newBuilder();
        for (int i = 0; i < batchSize; i++) {
          batch.addRequests(request(random));
        }
        client.acquireBatchAsync(batch.build()).whenComplete((r, e) -> {
          int allowed = 0;
          if (e == null) {
            for (var response : r.getResponsesList()) {
              allowed += response.getAllowed() ? 1 : 0;
            }
          }
          record(counters, sent, e == null ? r.getResponsesCount() : 0, allowed, e);
          inFlight.release();
        });
      }
    }
    inFlight.acquire(concurrency);
  }

  private static void record(Counters c, long sentNanos, int decided, int allowed, Throwable error) {
    c.calls.increment();
    if (error != null) {
      c.errors.increment();
      return;
    }
    c.latency.recordValue(Math.max(1, (System.nanoTime() - sentNanos) / 1000));
    c.allowed.add(allowed);
    c.rejected.add(decided - allowed);
  }

  private AcquireRequest request(SplittableRandom random) {
    return AcquireRequest.newBuilder().setKey("key-" + random.nextInt(keys)).setPermits(1).build();
  }
}
