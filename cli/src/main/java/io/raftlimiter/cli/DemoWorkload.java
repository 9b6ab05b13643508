package io.raftlimiter.cli;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.local.LocalCluster;
import java.io.PrintStream;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo's traffic: {@code concurrency} calls in flight, 20% of them on 10 hot keys (which run
 * out of tokens) and the rest spread over many cold keys (which do not). It prints a line per
 * second, kills the leader when told, and checks from its own record of allowed decisions that no
 * key was admitted more than {@code C + R*t}.
 */
final class DemoWorkload {
  private static final int HOT_KEYS = 10;
  private static final double HOT_SHARE = 0.2;

  record Result(long decisions, long allowed, long rejected, long errors, boolean boundHolds) {}

  private final RateLimiterClient client;
  private final int concurrency;
  private final int keys;
  private final long capacity;
  private final double refill;
  private final LongAdder allowed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Map<String, LongAdder> allowedPerKey = new ConcurrentHashMap<>();
  private final AtomicLong lastDecisionNanos = new AtomicLong();
  private final AtomicLong longestPauseAfterKillNanos = new AtomicLong();
  private volatile long killedAtNanos;

  DemoWorkload(RateLimiterClient client, int concurrency, int keys, long capacity, double refill) {
    this.client = client;
    this.concurrency = concurrency;
    this.keys = keys;
    this.capacity = capacity;
    this.refill = refill;
  }

  Result run(int seconds, int killAtSecond, LocalCluster cluster, PrintStream out)
      throws InterruptedException {
    out.printf("workload: %d calls in flight for %d s; %d%% of calls on %d hot keys, the rest on "
            + "%,d keys; limit %d tokens, +%s/s%s%n", concurrency, seconds, (int) (HOT_SHARE * 100),
        HOT_KEYS, keys, capacity, refill,
        killAtSecond > 0 ? "; the leader is killed at " + killAtSecond + " s" : "");
    out.printf("%6s %12s %9s %9s %7s  %s%n", "time", "decisions/s", "allowed", "rejected", "errors",
        "leader");
    Semaphore inFlight = new Semaphore(concurrency);
    SplittableRandom random = new SplittableRandom(42);
    long startNanos = System.nanoTime();
    long endNanos = startNanos + TimeUnit.SECONDS.toNanos(seconds);
    long nextReportNanos = startNanos + TimeUnit.SECONDS.toNanos(1);
    long lastDecisions = 0;
    int second = 0;
    while (System.nanoTime() < endNanos) {
      if (inFlight.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        send(nextKey(random), inFlight);
      }
      if (System.nanoTime() >= nextReportNanos) {
        second++;
        long decisions = allowed.sum() + rejected.sum();
        out.printf("%5ds %12d %9d %9d %7d  %s%n", second, decisions - lastDecisions, allowed.sum(),
            rejected.sum(), errors.sum(), leaderName(cluster));
        lastDecisions = decisions;
        nextReportNanos += TimeUnit.SECONDS.toNanos(1);
        if (second == killAtSecond) {
          killLeader(cluster, out);
        }
      }
    }
    inFlight.acquire(concurrency); // wait for the calls still out
    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;
    return summarize(elapsedSeconds, out);
  }

  private String nextKey(SplittableRandom random) {
    return random.nextDouble() < HOT_SHARE
        ? "hot-" + random.nextInt(HOT_KEYS)
        : "user-" + random.nextInt(keys);
  }

  private void send(String key, Semaphore inFlight) {
    AcquireRequest request = AcquireRequest.newBuilder().setKey(key).setPermits(1).build();
    long sentNanos = System.nanoTime();
    client.acquireAsync(request).whenComplete((response, error) -> {
      try {
        if (error != null) {
          errors.increment();
          return;
        }
        long now = System.nanoTime();
        long previous = lastDecisionNanos.getAndAccumulate(now, Math::max);
        if (killedAtNanos != 0 && now > previous) {
          // the longest time without any decision, from the kill on: the failover as seen
          // by callers (the killed node's last answers count as decisions too)
          long pause = now - Math.max(previous, killedAtNanos);
          longestPauseAfterKillNanos.accumulateAndGet(pause, Math::max);
        }
        if (response.getAllowed()) {
          allowed.increment();
          allowedPerKey.computeIfAbsent(key, k -> new LongAdder()).increment();
        } else {
          rejected.increment();
        }
      } finally {
        inFlight.release();
      }
    });
  }

  private static String leaderName(LocalCluster cluster) {
    return cluster.leaderIndex().map(i -> cluster.config(i).nodeId()).orElse("(electing)");
  }

  private void killLeader(LocalCluster cluster, PrintStream out) {
    var leader = cluster.leaderIndex();
    if (leader.isEmpty()) {
      out.println("  ** no leader to kill right now **");
      return;
    }
    out.printf("  ** killing leader %s **%n", cluster.config(leader.get()).nodeId());
    killedAtNanos = System.nanoTime();
    // Stopped beside the workload, which goes on sending while the node goes down.
    Thread stopper = new Thread(() -> cluster.stop(leader.get()), "demo-kill-leader");
    stopper.setDaemon(true);
    stopper.start();
  }

  private Result summarize(double elapsedSeconds, PrintStream out) {
    long decisions = allowed.sum() + rejected.sum();
    out.printf("done: %,d decisions in %.1f s (%,.0f/s): %,d allowed, %,d rejected, %,d errors%n",
        decisions, elapsedSeconds, decisions / elapsedSeconds, allowed.sum(), rejected.sum(),
        errors.sum());
    if (killedAtNanos != 0) {
      out.printf("failover: the longest pause in decisions after the leader was killed was %d ms%n",
          longestPauseAfterKillNanos.get() / 1_000_000);
    }
    double bound = capacity + refill * elapsedSeconds;
    String worstKey = null;
    long worst = 0;
    long over = 0;
    for (Map.Entry<String, LongAdder> e : allowedPerKey.entrySet()) {
      long admitted = e.getValue().sum();
      if (admitted > worst) {
        worst = admitted;
        worstKey = e.getKey();
      }
      if (admitted > bound) {
        over++;
      }
    }
    out.printf("bound check: %d of %,d keys admitted more than C + R*t = %d + %s*%.1f = %.0f "
            + "(busiest: %s with %d) -> %s%n", over, allowedPerKey.size(), capacity, refill,
        elapsedSeconds, bound, worstKey, worst, over == 0 ? "OK" : "VIOLATED");
    return new Result(decisions, allowed.sum(), rejected.sum(), errors.sum(), over == 0);
  }
}
