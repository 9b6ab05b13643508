package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.cli.RlctlProcess.Run;
import io.raftlimiter.client.RateLimiterClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling restart as an operator does it: three node processes under load from the Java
 * client, and each node in turn stopped with SIGTERM, started again, and waited for before the
 * next. A stopping node says it is not ready, serves on through its grace period, and hands its
 * groups' leadership over, so every call is decided and decisions never stop for long.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RollingRestartIT {
  private static final String JVM_OPTIONS = "-Xmx192m -XX:TieredStopAtLevel=1";
  private static final int IN_FLIGHT = 8;
  /**
   * The longest time without a decision this test accepts: issue 24's 300 ms. On this 2-core
   * machine, with three nodes, the load and a starting JVM sharing it, the longest gaps were
   * 198-408 ms before the node JVMs shared their classes (a start took 1.9-2.2 s of CPU from the
   * serving nodes; 4 runs of 15 over 200 ms, 2 over 300 ms, both beside a starting JVM), and
   * 156-220 ms in the 13 runs since (docs/OPERATIONS.md). It still fails on each fault this test
   * has found: leadership moved back to a returning node mid-restart (483 ms), a leader spinning
   * on a missing follower (537 ms), a returning follower that never caught up (8 s and 22 errors).
   */
  private static final long MAX_GAP_MILLIS = 300;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work;
  private Path clusterDir;

  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void everyNodeRestartedInTurnUnderLoadCostsNoCallAndNoLongGap() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = up();
    assertEquals(0, up.exitCode(), up.out());
    Map<String, String> addresses = endpoints();
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(new ArrayList<>(addresses.values())).deadline(Duration.ofSeconds(5)).build()) {
      Load load = new Load(client);
      Thread loader = new Thread(load::run, "rolling-restart-load");
      loader.start();
      Thread.sleep(3_000); // the load is flowing, and the JIT has seen it
      List<String> log = new ArrayList<>();
      long t0 = load.startNanos;
      for (String node : addresses.keySet()) {
        long pid = endpointPids().get(node);
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        long stopNanos = System.nanoTime();
        assertTrue(process.destroy(), "SIGTERM to " + node);
        process.onExit().get(60, TimeUnit.SECONDS);
        log.add(String.format("%s SIGTERM at %d ms, exited at %d ms", node,
            (stopNanos - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000));
        Run back = up(); // starts the node that is not running, and waits until it serves
        assertEquals(0, back.exitCode(), back.out());
        log.add(String.format("%s back at %d ms", node, (System.nanoTime() - t0) / 1_000_000));
        Thread.sleep(3_000);
      }
      load.stop();
      loader.join(30_000);
      String summary = "load from " + load.started.wall() + ": " + load.summary() + "; " + log
          + "; dir " + clusterDir;
      System.out.println("rolling restart: " + summary);
      assertEquals(List.of(), List.copyOf(load.errors), summary);
      assertEquals(0, load.overAdmitted(), summary);
      // the limited keys ran out: fewer admitted than asked (each was asked for half the calls)
      assertTrue(load.admittedOnLimitedKeys() < load.decided.get() / 2 * 9 / 10, summary);
      assertTrue(load.decided.get() > 1_000, summary);
      assertTrue(load.longestGapMillis() <= MAX_GAP_MILLIS, summary);
    }
  }

  /** Single STRONG acquires kept {@link #IN_FLIGHT} at a time; records when each was decided. */
  private static final class Load {
    /** Keys that run out: each is asked ~30 times a second, more than it refills. */
    static final int LIMITED_KEYS = 16;
    static final Limit LIMIT = Limit.newBuilder().setCapacity(20).setRefillPerSecond(10).build();
    private final RateLimiterClient client;
    /** Admissions of each limited key. */
    private final AtomicLongArray admitted = new AtomicLongArray(LIMITED_KEYS);
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final AtomicLong decided = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> decidedAtNanos = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;
    /** When the load started; on the wall clock, to find a gap in the nodes' logs. */
    final Moment started = Moment.now();
    final long startNanos = started.monotonicNanos();

    Load(RateLimiterClient client) {
      this.client = client;
    }

    void run() {
      long n = 0;
      try {
        while (!stopped) {
          inFlight.acquire();
          // Every other call goes to a key that runs out, so that an admission lost or
          // repeated across a handover would show as more than its bucket allows.
          boolean limited = n % 2 == 1;
          int key = (int) (n++ / 2 % (limited ? LIMITED_KEYS : 32));
          AcquireRequest request = AcquireRequest.newBuilder()
              .setKey(limited ? "limited-" + key : "k" + key)
              .setPermits(1)
              .setLimit(limited ? LIMIT
                  : Limit.newBuilder().setCapacity(1_000_000).setRefillPerSecond(1_000_000).build())
              .build();
          client.acquireAsync(request).whenComplete((response, error) -> {
            if (error != null) {
              errors.add((System.nanoTime() - startNanos) / 1_000_000 + " ms: " + error);
            } else {
              decided.incrementAndGet();
              decidedAtNanos.add(System.nanoTime());
              if (limited && response.getAllowed()) {
                admitted.incrementAndGet(key);
              }
            }
            inFlight.release();
          });
        }
        inFlight.acquire(IN_FLIGHT); // the last calls answered
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void stop() {
      stopped = true;
    }

    /**
     * Tokens admitted beyond what a bucket can give from the first call to now (capacity plus
     * refill), over the limited keys: a handover that lost or repeated an admission shows here.
     */
    long overAdmitted() {
      double seconds = Moment.now().secondsSince(started); // on the clock that counted more
      long bound = LIMIT.getCapacity() + (long) Math.ceil(LIMIT.getRefillPerSecond() * seconds);
      long over = 0;
      for (int i = 0; i < LIMITED_KEYS; i++) {
        over += Math.max(0, admitted.get(i) - bound);
      }
      return over;
    }

    /** Admissions over all limited keys. */
    long admittedOnLimitedKeys() {
      long all = 0;
      for (int i = 0; i < LIMITED_KEYS; i++) {
        all += admitted.get(i);
      }
      return all;
    }

    /** The longest time without a decision, and when it began (ms since the load started). */
    long[] longestGap() {
      List<Long> times = new ArrayList<>(decidedAtNanos);
      times.sort(null);
      long longest = 0;
      long at = 0;
      for (int i = 1; i < times.size(); i++) {
        if (times.get(i) - times.get(i - 1) > longest) {
          longest = times.get(i) - times.get(i - 1);
          at = times.get(i - 1) - startNanos;
        }
      }
      return new long[] {longest / 1_000_000, at / 1_000_000};
    }

    long longestGapMillis() {
      return longestGap()[0];
    }

    String summary() {
      long[] gap = longestGap();
      List<Long> times = new ArrayList<>(decidedAtNanos);
      times.sort(null);
      List<long[]> gaps = new ArrayList<>();
      for (int i = 1; i < times.size(); i++) {
        gaps.add(new long[] {(times.get(i) - times.get(i - 1)) / 1_000_000,
            (times.get(i - 1) - startNanos) / 1_000_000});
      }
      gaps.sort((x, y) -> Long.compare(y[0], x[0]));
      StringBuilder top = new StringBuilder();
      for (int i = 0; i < Math.min(8, gaps.size()); i++) {
        top.append(gaps.get(i)[0]).append(" ms at ").append(gaps.get(i)[1]).append("; ");
      }
      return decided.get() + " decided, " + admittedOnLimitedKeys() + " admitted on limited keys ("
          + overAdmitted() + " over their buckets), " + errors.size() + " errors, longest gap "
          + gap[0] + " ms from " + gap[1] + " ms; top gaps: " + top;
    }
  }

  private Run up() throws IOException, InterruptedException {
    if (ClusterLayout.existsIn(clusterDir)) {
      return RlctlProcess.run("cluster", "up", "--dir", clusterDir.toString(), "--jvm-opts",
          JVM_OPTIONS);
    }
    return RlctlProcess.run("cluster", "up", "--nodes", "3", "--dir", clusterDir.toString(),
        "--jvm-opts", JVM_OPTIONS);
  }

  private Map<String, String> endpoints() throws IOException {
    return RlctlProcess.addresses(clusterDir);
  }

  private Map<String, Long> endpointPids() throws IOException {
    return RlctlProcess.pids(clusterDir);
  }
}
