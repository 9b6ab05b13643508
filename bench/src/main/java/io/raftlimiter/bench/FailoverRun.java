package io.raftlimiter.bench;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.local.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kills a group's leader again and again under a steady trickle of acquires and measures, each
 * time, how long from the kill until the first decision on a request sent after the kill: the
 * time the service could not decide.
 */
final class FailoverRun {
  private static final int IN_FLIGHT = 8;

  private final LocalCluster cluster;
  private final AtomicLong firstAnswerAfter = new AtomicLong(Long.MAX_VALUE);
  private volatile long killedAtNanos = Long.MAX_VALUE;
  private volatile boolean running = true;

  FailoverRun(LocalCluster cluster) {
    this.cluster = cluster;
  }

  /** Failover times in milliseconds, one per kill. */
  List<Double> run(int kills) throws Exception {
    List<Double> millis = new ArrayList<>();
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(cluster.endpoints())
        .deadline(Duration.ofSeconds(10)).build()) {
      Thread load = new Thread(() -> load(client), "failover-load");
      load.setDaemon(true);
      load.start();
      for (int kill = 1; kill <= kills; kill++) {
        cluster.awaitLeaders(Duration.ofSeconds(60));
        Thread.sleep(1_500); // steady state, and the balancer done moving leaders
        int leader = cluster.awaitLeader(Duration.ofSeconds(30));
        firstAnswerAfter.set(Long.MAX_VALUE);
        long killedAt = System.nanoTime();
        killedAtNanos = killedAt;
        cluster.stop(leader);
        long deadline = killedAt + TimeUnit.SECONDS.toNanos(30);
        while (firstAnswerAfter.get() == Long.MAX_VALUE && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        long answered = firstAnswerAfter.get();
        double took = answered == Long.MAX_VALUE ? Double.NaN : (answered - killedAt) / 1e6;
        millis.add(took);
        System.err.printf("kill %d/%d: node %d, next decision after %.0f ms%n", kill, kills,
            leader, took);
        killedAtNanos = Long.MAX_VALUE;
        cluster.restart(leader);
      }
      running = false;
      load.join(15_000);
    }
    return millis;
  }

  private void load(RateLimiterClient client) {
    Semaphore inFlight = new Semaphore(IN_FLIGHT);
    while (running) {
      try {
        if (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          continue;
        }
      } catch (InterruptedException e) {
        return;
      }
      long sentAt = System.nanoTime();
      String key = "failover-" + ThreadLocalRandom.current().nextInt(10_000);
      client.acquireAsync(AcquireRequest.newBuilder().setKey(key).build())
          .whenComplete((response, error) -> {
            inFlight.release();
            if (error == null && sentAt > killedAtNanos) {
              firstAnswerAfter.accumulateAndGet(System.nanoTime(), Math::min);
            }
          });
    }
  }

  /** The p-th percentile (0–100) of {@code values}, nearest rank. */
  static double percentile(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
