package io.raftlimiter.server;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.client.RateLimiterClient;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Hammers one key through several nodes at once, {@code outstanding} calls in flight per node,
 * and counts what was allowed. The window a bucket is judged over runs from the first call sent
 * to the last answer received, so {@code C + R·seconds()} is what a perfect limiter could allow.
 */
final class ModeLoad {
  private final ClusterFixture fixture;
  private final AcquireRequest request;
  private final int outstanding;
  private final AtomicLong allowed = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLongArray allowedByNode;
  private final AtomicBoolean[] stopped;
  private long firstSentNanos;
  private final AtomicLong lastAnsweredNanos = new AtomicLong();

  ModeLoad(ClusterFixture fixture, String key, long capacity, double refillPerSecond,
      Consistency mode, int outstanding) {
    this.fixture = fixture;
    this.request = ClusterFixture.request(key, capacity, refillPerSecond).toBuilder()
        .setConsistency(mode).build();
    this.outstanding = outstanding;
    int nodes = fixture.cluster().size();
    this.allowedByNode = new AtomicLongArray(nodes);
    this.stopped = new AtomicBoolean[nodes];
    for (int i = 0; i < nodes; i++) {
      stopped[i] = new AtomicBoolean();
    }
  }

  /** Runs for {@code seconds}, calling {@code midway} (once) halfway through. */
  ModeLoad run(double seconds, Runnable midway) throws InterruptedException {
    int nodes = fixture.cluster().size();
    Thread[] drivers = new Thread[nodes];
    long start = System.nanoTime();
    firstSentNanos = start;
    long end = start + (long) (seconds * 1e9);
    for (int i = 0; i < nodes; i++) {
      int node = i;
      drivers[i] = new Thread(() -> drive(node, end), "mode-load-" + i);
      drivers[i].start();
    }
    if (midway != null) {
      Thread.sleep((long) (seconds * 500));
      midway.run();
    }
    for (Thread driver : drivers) {
      driver.join();
    }
    return this;
  }

  /** Stops sending through {@code node} (before it is crashed). */
  void stopSendingTo(int node) {
    stopped[node].set(true);
  }

  private void drive(int node, long endNanos) {
    RateLimiterClient client = fixture.pinned(node); // through this node, not its leader
    Semaphore inFlight = new Semaphore(outstanding);
    try {
      while (System.nanoTime() < endNanos && !stopped[node].get()) {
        if (!inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
          continue;
        }
        client.acquireAsync(request).whenComplete((response, error) -> {
          lastAnsweredNanos.accumulateAndGet(System.nanoTime(), Math::max);
          if (error != null) {
            failed.incrementAndGet();
          } else if (response.getAllowed()) {
            allowed.incrementAndGet();
            allowedByNode.incrementAndGet(node);
          } else {
            rejected.incrementAndGet();
          }
          inFlight.release();
        });
      }
      inFlight.tryAcquire(outstanding, 15, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  long allowed() {
    return allowed.get();
  }

  long rejected() {
    return rejected.get();
  }

  long failed() {
    return failed.get();
  }

  long allowedThrough(int node) {
    return allowedByNode.get(node);
  }

  double seconds() {
    return (lastAnsweredNanos.get() - firstSentNanos) / 1e9;
  }

  @Override
  public String toString() {
    return String.format("allowed %d, rejected %d, failed %d over %.2f s", allowed(), rejected(),
        failed(), seconds());
  }
}
