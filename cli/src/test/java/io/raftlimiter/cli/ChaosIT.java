package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftlimiter.cli.RlctlProcess.Run;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Five node processes under continuous load; every few seconds a random node is killed with
 * SIGKILL and brought back a little later (one node down at a time: two could hold two of a
 * group's three replicas before the controller has moved them, and take its quorum). Throughout, no key is ever allowed more than its
 * bucket allows ({@code C + R·t}, checked from the client's record of allowed answers), nearly
 * every request gets a decision, and afterwards every group is back to its replication factor.
 * Finally all nodes stop and start again: buckets drained before the chaos are still drained.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ChaosIT {
  private static final int NODES = 5;
  private static final int GROUPS = 5;
  private static final int REPLICATION = 3;
  private static final long CAPACITY = 20;
  private static final double REFILL = 5;
  private static final int KEYS = 40;
  private static final int IN_FLIGHT = 16;
  private static final Duration CHAOS = Duration.ofSeconds(60);
  private static final Duration KILL_EVERY = Duration.ofSeconds(6);
  private static final Duration BACK_AFTER = Duration.ofSeconds(4);

  // Kept when the test fails: the node logs under it say what went wrong.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work;
  private Path clusterDir;


  /** One allowed answer: when the call was sent and when the answer came (nanoTime). */
  private record Allowed(long sentNanos, long answeredNanos) {}



  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void killedNodesNeverCauseOverAdmissionAndReplicationIsRestored() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = up();
    assertEquals(0, up.exitCode(), up.out());
    Map<String, String> addresses = endpoints();
    Map<String, Long> pids = pids();

    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(new ArrayList<>(addresses.values())).deadline(Duration.ofSeconds(5)).build()) {
      // Sentinels: drained now, refilled by a token every 1,000 s: must stay drained to the end.
      List<String> sentinels = List.of("sentinel-a", "sentinel-b", "sentinel-c", "sentinel-d");
      for (String key : sentinels) {
        for (int i = 0; i < 3; i++) {
          assertTrue(client.acquire(sentinel(key)).getAllowed(), key);
        }
        assertFalse(client.acquire(sentinel(key)).getAllowed(), key);
      }

      Map<String, Queue> allowed = new ConcurrentHashMap<>();
      Map<String, Long> firstSent = new ConcurrentHashMap<>();
      AtomicLong sent = new AtomicLong();
      AtomicLong decided = new AtomicLong();
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      Semaphore inFlight = new Semaphore(IN_FLIGHT);
      Random random = new Random(7);
      List<String> killLog = new CopyOnWriteArrayList<>();

      long start = System.nanoTime();
      long end = start + CHAOS.toNanos();
      // The chaos runs beside the load: a kill every KILL_EVERY, each node back after BACK_AFTER.
      Map<String, Long> livePids = new ConcurrentHashMap<>(pids);
      // Restarts run one at a time on their own thread (each is an 'rlctl cluster up'), so the
      // kills keep their pace even while a node is slow to come back.
      ExecutorService restarts = Executors.newSingleThreadExecutor();
      Set<String> down = ConcurrentHashMap.newKeySet();
      List<Future<?>> restarted = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> chaos = CompletableFuture.runAsync(() -> {
        try {
          Random pick = new Random(11);
          String previous = "";
          while (System.nanoTime() + KILL_EVERY.toNanos() < end) {
            Thread.sleep(KILL_EVERY.toMillis());
            while (!down.isEmpty() && System.nanoTime() < end) {
              Thread.sleep(100); // one node down at a time: a second could take a group's quorum
            }
            if (System.nanoTime() >= end) {
              break;
            }
            List<String> candidates = new ArrayList<>(livePids.keySet());
            candidates.remove(previous);
            String victim = candidates.get(pick.nextInt(candidates.size()));
            previous = victim;
            ProcessHandle.of(livePids.get(victim)).ifPresent(ProcessHandle::destroyForcibly);
            down.add(victim);
            killLog.add(String.format("%.1fs kill -9 %s", (System.nanoTime() - start) / 1e9, victim));
            restarted.add(restarts.submit(() -> {
              Thread.sleep(BACK_AFTER.toMillis());
              Run back = up(); // brings back the nodes that are not running
              assertEquals(0, back.exitCode(), back.out());
              livePids.putAll(pids());
              down.remove(victim);
              killLog.add(String.format("%.1fs %s back", (System.nanoTime() - start) / 1e9, victim));
              return null;
            }));
          }
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      while (System.nanoTime() < end && !chaos.isCompletedExceptionally()) {
        if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
          continue;
        }
        String key = "key-" + random.nextInt(KEYS);
        long sentAt = System.nanoTime();
        firstSent.putIfAbsent(key, sentAt);
        sent.incrementAndGet();
        client.acquireAsync(request(key)).whenComplete((response, error) -> {
          inFlight.release();
          if (error != null) {
            errors.add(error.toString());
            return;
          }
          decided.incrementAndGet();
          if (response.getAllowed()) {
            allowed.computeIfAbsent(key, k -> new Queue()).add(new Allowed(sentAt, System.nanoTime()));
          }
        });
      }
      chaos.join();
      restarts.shutdown();
      assertTrue(restarts.awaitTermination(240, TimeUnit.SECONDS), "restarts did not finish");
      for (Future<?> restart : restarted) {
        restart.get(); // a failed 'cluster up' fails the test with its output
      }
      assertTrue(down.isEmpty(), "nodes not brought back: " + down);
      inFlight.acquire(IN_FLIGHT);

      // Safety: per key, the allowed answers up to any moment never exceed C + R * elapsed.
      for (Map.Entry<String, Queue> key : allowed.entrySet()) {
        List<Allowed> answers = new ArrayList<>(key.getValue());
        answers.sort((a, b) -> Long.compare(a.answeredNanos(), b.answeredNanos()));
        long first = firstSent.get(key.getKey());
        for (int i = 0; i < answers.size(); i++) {
          double elapsed = (answers.get(i).answeredNanos() - first) / 1e9;
          double bound = CAPACITY + REFILL * elapsed;
          if (i + 1 > bound + 1e-9) {
            fail(key.getKey() + ": " + (i + 1) + " allowed after " + elapsed + " s, bound "
                + bound + "\n" + String.join("\n", killLog));
          }
        }
      }
      // Availability: nearly every request got a decision (the client retries other nodes).
      double availability = (double) decided.get() / sent.get();
      System.out.printf("chaos: %d requests, %d decided (%.2f%%), %d allowed; %s%n", sent.get(),
          decided.get(), 100 * availability,
          allowed.values().stream().mapToInt(Queue::size).sum(), String.join("; ", killLog));
      assertTrue(availability >= 0.99, "only " + decided.get() + " of " + sent.get()
          + " requests got a decision; first errors " + errors.stream().limit(5).toList());

      // Every group back to its replication factor, all replicas on live nodes.
      awaitFullReplication(addresses);

      // Everything stops and starts again: no bucket state is lost.
      Run stopped = RlctlProcess.run("cluster", "down", "--dir", clusterDir.toString());
      assertEquals(0, stopped.exitCode(), stopped.out());
      Run upAgain = up();
      if (upAgain.exitCode() != 0 && upAgain.out().contains("without a leader")) {
        // A known Ratis stall, not fixed yet (docs/DESIGN.md §11): about one run in ten, a group
        // whose log was purged up to a snapshot comes back with its followers no longer
        // campaigning after their first leader's appends timed out. Another restart clears it.
        // Said loudly, so that it is counted; the state must survive both restarts all the same.
        System.out.println("chaos: KNOWN STALL after the full restart, restarting again:\n"
            + upAgain.out());
        Run downAgain = RlctlProcess.run("cluster", "down", "--dir", clusterDir.toString());
        assertEquals(0, downAgain.exitCode(), downAgain.out());
        upAgain = up();
      }
      assertEquals(0, upAgain.exitCode(), upAgain.out());
      for (String key : sentinels) {
        assertFalse(client.acquire(sentinel(key)).getAllowed(), key + " still drained");
      }
    }
  }

  /** A list that many threads add to. */
  private static final class Queue extends ConcurrentLinkedQueue<Allowed> {
    private static final long serialVersionUID = 1L;
  }

  private Run up() throws IOException, InterruptedException {
    return RlctlProcess.run("cluster", "up", "--nodes", Integer.toString(NODES), "--groups",
        Integer.toString(GROUPS), "--replication", Integer.toString(REPLICATION),
        "--dir", clusterDir.toString(), "--jvm-opts", "-Xmx192m -XX:TieredStopAtLevel=1",
        "--set", "cluster.dead-after-ms=2000");
  }

  private void awaitFullReplication(Map<String, String> addresses) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String last = "";
    while (System.nanoTime() < deadline) {
      Map<Integer, Set<String>> leaderConf = new HashMap<>();
      Set<String> live = new HashSet<>();
      StringBuilder seen = new StringBuilder();
      for (Map.Entry<String, String> node : addresses.entrySet()) {
        Optional<NodeStatus> status = status(node.getValue());
        if (status.isEmpty()) {
          continue;
        }
        live.add(node.getKey());
        for (GroupStatus g : status.get().getGroupsList()) {
          if (g.getRole().equals("LEADER")) {
            leaderConf.put(g.getIndex(), new HashSet<>(g.getPeerIdsList()));
            seen.append(g.getIndex()).append('=').append(g.getPeerIdsList()).append(' ');
          }
        }
      }
      boolean full = leaderConf.size() == GROUPS && leaderConf.values().stream()
          .allMatch(conf -> conf.size() == REPLICATION && live.containsAll(conf));
      if (full) {
        return;
      }
      last = "live " + live + ", leaders' configurations " + seen;
      Thread.sleep(500);
    }
    fail("groups not back to " + REPLICATION + " live replicas: " + last);
  }

  private static Optional<NodeStatus> status(String address) {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(address).usePlaintext().build();
    try {
      return Optional.of(NodeAdminGrpc.newBlockingStub(channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS).status(StatusRequest.getDefaultInstance()));
    } catch (RuntimeException e) {
      return Optional.empty();
    } finally {
      channel.shutdownNow();
    }
  }

  private Map<String, String> endpoints() throws IOException {
    Map<String, String> addresses = new TreeMap<>();
    for (String line : Files.readAllLines(clusterDir.resolve("endpoints"))) {
      String[] parts = line.split(" ");
      addresses.put(parts[0], parts[1]);
    }
    return addresses;
  }

  private Map<String, Long> pids() throws IOException {
    Map<String, Long> pids = new TreeMap<>();
    for (String line : Files.readAllLines(clusterDir.resolve("endpoints"))) {
      String[] parts = line.split(" ");
      pids.put(parts[0], Long.parseLong(parts[2]));
    }
    return pids;
  }

  private static AcquireRequest request(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(CAPACITY).setRefillPerSecond(REFILL)).build();
  }

  private static AcquireRequest sentinel(String key) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1)
        .setLimit(Limit.newBuilder().setCapacity(3).setRefillPerSecond(0.001)).build();
  }
}
