package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.cli.RlctlProcess.Run;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.local.FreePorts;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
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
import java.util.function.BooleanSupplier;
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
  private static final Duration ISOLATED = Duration.ofSeconds(8);
  private static final String JVM_OPTIONS = "-Xmx192m -XX:TieredStopAtLevel=1";

  // Kept when the test fails: the node logs under it say what went wrong.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path work;
  private Path clusterDir;


  /** One allowed answer: when the answer came. */
  private record Allowed(Moment answered) {}



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
      List<String> sentinels = drainSentinels(client);
      LedgeredLoad load = new LedgeredLoad();
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
      load.run(client, () -> System.nanoTime() >= end || chaos.isCompletedExceptionally());
      chaos.join();
      restarts.shutdown();
      assertTrue(restarts.awaitTermination(240, TimeUnit.SECONDS), "restarts did not finish");
      for (Future<?> restart : restarted) {
        restart.get(); // a failed 'cluster up' fails the test with its output
      }
      assertTrue(down.isEmpty(), "nodes not brought back: " + down);
      load.drain();
      load.assertNeverOverAdmitted(killLog);
      load.assertNearlyAllDecided("chaos", killLog);

      // Every group back to its replication factor, all replicas on live nodes.
      awaitFullReplication(addresses);

      restartEverythingAndCheck(client, sentinels);
    }
  }

  /**
   * Faults aimed at the control plane, under load. First, the metadata group's leader, which
   * runs the controller, is killed with SIGKILL in the middle of moving a group onto a node that
   * just joined (its log says "moving group" and not yet "now on"); its successor plans from the
   * groups' own configurations, so it neither formats a node the interrupted move had already
   * made a voter nor loses the half-made change. Then one node's Raft port is cut off for
   * {@link #ISOLATED} (a proxy in front of it black-holes every connection) while its client
   * port still answers. Throughout, no key is allowed more than its bucket allows and nearly
   * every request is decided; afterwards every group has three live replicas, and drained
   * buckets are still drained.
   */
  @Test
  void aKilledControllerAndAnIsolatedRaftPortLoseNothing() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = up();
    assertEquals(0, up.exitCode(), up.out());
    Map<String, String> addresses = endpoints();
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(new ArrayList<>(addresses.values())).deadline(Duration.ofSeconds(5)).build()) {
      List<String> sentinels = drainSentinels(client);
      List<String> log = new CopyOnWriteArrayList<>();
      long start = System.nanoTime();
      CompletableFuture<Void> faults = CompletableFuture.runAsync(() -> {
        try {
          killControllerMidMove(log, start);
          awaitFullReplication(endpoints());
          isolateRaftPort("n4", log, start);
          awaitFullReplication(endpoints());
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      LedgeredLoad load = new LedgeredLoad();
      load.run(client, faults::isDone);
      load.drain();
      faults.join();
      load.assertNeverOverAdmitted(log);
      load.assertNearlyAllDecided("control-plane faults", log);
      // (the full restart is the other scenario's; it would only add its minute here)
      for (String key : sentinels) {
        assertFalse(client.acquire(sentinel(key)).getAllowed(), key + " still drained");
      }
    }
  }

  /**
   * Adds a node and kills whichever node logs the first move of a group onto it, before the
   * move's end; brings it back after {@link #BACK_AFTER}.
   */
  private void killControllerMidMove(List<String> log, long start) throws Exception {
    Map<String, Long> pids = pids();
    Map<String, Long> logStarts = new TreeMap<>();
    for (String node : pids.keySet()) {
      logStarts.put(node, Files.size(clusterDir.resolve(node + ".log")));
    }
    CompletableFuture<Run> added = CompletableFuture.supplyAsync(() -> {
      try {
        return RlctlProcess.run("cluster", "add-node", "--dir", clusterDir.toString(),
            "--jvm-opts", JVM_OPTIONS);
      } catch (IOException | InterruptedException e) {
        throw new CompletionException(e);
      }
    });
    Map.Entry<String, String> move = awaitLine(logStarts, "moving group", Duration.ofSeconds(90));
    String controller = move.getKey();
    ProcessHandle process = ProcessHandle.of(pids.get(controller)).orElseThrow();
    process.destroyForcibly();
    process.onExit().get(10, TimeUnit.SECONDS);
    log.add(String.format("%.1fs kill -9 %s at \"%s\"", (System.nanoTime() - start) / 1e9,
        controller, move.getValue()));
    String group = move.getValue().replaceAll(".*moving group (\\d+) .*", "$1");
    String written = Files.readString(clusterDir.resolve(controller + ".log"));
    assertFalse(written.substring(written.indexOf(move.getValue()))
        .contains("group " + group + " now on"),
        "the controller finished the move before it was killed: " + log);
    Thread.sleep(BACK_AFTER.toMillis());
    Run back = up();
    assertEquals(0, back.exitCode(), back.out());
    log.add(String.format("%.1fs %s back", (System.nanoTime() - start) / 1e9, controller));
    Run add = added.join();
    assertEquals(0, add.exitCode(), add.out() + "\n" + String.join("\n", log));
  }

  /**
   * Restarts {@code node} behind a {@link RaftPortProxy} on its Raft port, cuts the proxy off for
   * {@link #ISOLATED}, heals it, and restarts the node without the proxy.
   */
  private void isolateRaftPort(String node, List<String> log, long start) throws Exception {
    ClusterLayout layout = ClusterLayout.load(clusterDir);
    PeerAddress listed = layout.peers().stream().filter(p -> p.id().equals(node)).findFirst()
        .orElseThrow();
    ProcessHandle running = ProcessHandle.of(pids().get(node)).orElseThrow();
    running.destroyForcibly();
    running.onExit().get(10, TimeUnit.SECONDS);
    int hiddenPort = FreePorts.next();
    try (RaftPortProxy proxy = new RaftPortProxy(listed.raftPort(), hiddenPort)) {
      // Reached at its listed Raft port (the proxy), listening behind it on the hidden one.
      Process behind = NodeProcesses.launch(clusterDir, layout, listed, JVM_OPTIONS,
          Map.of("node.raft-bind-port", Integer.toString(hiddenPort)));
      try {
        awaitFullReplication(endpoints());
        proxy.isolate();
        log.add(String.format("%.1fs %s's Raft port isolated", (System.nanoTime() - start) / 1e9,
            node));
        Thread.sleep(ISOLATED.toMillis());
        proxy.heal();
        log.add(String.format("%.1fs %s's Raft port healed", (System.nanoTime() - start) / 1e9,
            node));
        awaitFullReplication(endpoints());
      } finally {
        behind.destroy();
        behind.onExit().get(30, TimeUnit.SECONDS);
      }
    }
    Run back = up(); // the node again on its own port
    assertEquals(0, back.exitCode(), back.out());
  }

  /** Keys drained now, refilled by a token every 1,000 s: they must stay drained to the end. */
  private static List<String> drainSentinels(RateLimiterClient client) {
    List<String> sentinels = List.of("sentinel-a", "sentinel-b", "sentinel-c", "sentinel-d");
    for (String key : sentinels) {
      for (int i = 0; i < 3; i++) {
        assertTrue(client.acquire(sentinel(key)).getAllowed(), key);
      }
      assertFalse(client.acquire(sentinel(key)).getAllowed(), key);
    }
    return sentinels;
  }

  /** Everything stops and starts again: no bucket state is lost. */
  private void restartEverythingAndCheck(RateLimiterClient client, List<String> sentinels)
      throws IOException, InterruptedException {
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

  /** A list that many threads add to. */
  private static final class Queue extends ConcurrentLinkedQueue<Allowed> {
    private static final long serialVersionUID = 1L;
  }

  /**
   * Acquires on {@link #KEYS} keys, {@link #IN_FLIGHT} at a time, with every allowed answer
   * recorded: the client's own ledger of what the cluster admitted.
   */
  private static final class LedgeredLoad {
    private final Map<String, Queue> allowed = new ConcurrentHashMap<>();
    private final Map<String, Moment> firstSent = new ConcurrentHashMap<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong decided = new AtomicLong();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Random random = new Random(7);
    private final Moment created = Moment.now();

    /** Sends until {@code done} says so. */
    void run(RateLimiterClient client, BooleanSupplier done) throws InterruptedException {
      while (!done.getAsBoolean()) {
        if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) {
          continue;
        }
        String key = "key-" + random.nextInt(KEYS);
        firstSent.putIfAbsent(key, Moment.now());
        sent.incrementAndGet();
        client.acquireAsync(request(key)).whenComplete((response, error) -> {
          inFlight.release();
          if (error != null) {
            errors.add(error.toString());
            return;
          }
          decided.incrementAndGet();
          if (response.getAllowed()) {
            allowed.computeIfAbsent(key, k -> new Queue())
                .add(new Allowed(Moment.now()));
          }
        });
      }
    }

    /** Waits for every call in flight to be answered. */
    void drain() throws InterruptedException {
      inFlight.acquire(IN_FLIGHT);
    }

    /**
     * Per key, the allowed answers up to any moment never exceed {@code C + R * elapsed}, the
     * time elapsed since the key's first call counted on the clock that counted more of it.
     */
    void assertNeverOverAdmitted(List<String> log) {
      for (Map.Entry<String, Queue> key : allowed.entrySet()) {
        List<Allowed> answers = new ArrayList<>(key.getValue());
        answers.sort((a, b) ->
            Long.compare(a.answered().monotonicNanos(), b.answered().monotonicNanos()));
        Moment first = firstSent.get(key.getKey());
        for (int i = 0; i < answers.size(); i++) {
          Moment answered = answers.get(i).answered();
          double elapsed = answered.secondsSince(first);
          double bound = CAPACITY + REFILL * elapsed;
          if (i + 1 > bound + 1e-9) {
            fail(String.format("%s: %d allowed after %.6f s, bound %.6f (the wall clock gained"
                + " %.3f ms on the monotonic one meanwhile)%n%s", key.getKey(), i + 1, elapsed,
                bound, answered.wallGainMillis(first), String.join("\n", log)));
          }
        }
      }
    }

    /** Nearly every request got a decision (the client retries other nodes). */
    void assertNearlyAllDecided(String what, List<String> log) {
      double availability = (double) decided.get() / sent.get();
      System.out.printf("%s: %d requests, %d decided (%.2f%%), %d allowed, the wall clock"
          + " gained %.3f ms on the monotonic one; %s%n", what, sent.get(), decided.get(),
          100 * availability, allowed.values().stream().mapToInt(Queue::size).sum(),
          Moment.now().wallGainMillis(created), String.join("; ", log));
      assertTrue(availability >= 0.99, "only " + decided.get() + " of " + sent.get()
          + " requests got a decision; first errors " + errors.stream().limit(5).toList());
    }
  }

  /**
   * Waits for a line containing {@code text} in a node's log, written after the offset given for
   * it; returns the node and the line. Reads only what each log gained since the last look.
   */
  private Map.Entry<String, String> awaitLine(Map<String, Long> from, String text,
      Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, Long> read = new TreeMap<>(from);
    Map<String, StringBuilder> gained = new TreeMap<>();
    while (System.nanoTime() < deadline) {
      for (Map.Entry<String, Long> node : read.entrySet()) {
        try (RandomAccessFile file =
            new RandomAccessFile(clusterDir.resolve(node.getKey() + ".log").toFile(), "r")) {
          long length = file.length();
          if (length <= node.getValue()) {
            continue;
          }
          byte[] bytes = new byte[(int) (length - node.getValue())];
          file.seek(node.getValue());
          file.readFully(bytes);
          node.setValue(length);
          StringBuilder log = gained.computeIfAbsent(node.getKey(), k -> new StringBuilder());
          log.append(new String(bytes, StandardCharsets.UTF_8));
          int at = log.indexOf(text);
          if (at >= 0) {
            int lineStart = log.lastIndexOf("\n", at) + 1;
            int lineEnd = log.indexOf("\n", at);
            return Map.entry(node.getKey(),
                log.substring(lineStart, lineEnd < 0 ? log.length() : lineEnd));
          }
        }
      }
      Thread.sleep(2);
    }
    throw new AssertionError("no node logged \"" + text + "\" within " + timeout);
  }



  /** Creates the cluster, or starts the nodes of the existing one that are not running. */
  private Run up() throws IOException, InterruptedException {
    if (ClusterLayout.existsIn(clusterDir)) { // its size may have changed since (add-node)
      return RlctlProcess.run("cluster", "up", "--dir", clusterDir.toString(), "--jvm-opts",
          JVM_OPTIONS);
    }
    return RlctlProcess.run("cluster", "up", "--nodes", Integer.toString(NODES), "--groups",
        Integer.toString(GROUPS), "--replication", Integer.toString(REPLICATION),
        "--dir", clusterDir.toString(), "--jvm-opts", JVM_OPTIONS,
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
    return RlctlProcess.addresses(clusterDir);
  }

  private Map<String, Long> pids() throws IOException {
    return RlctlProcess.pids(clusterDir);
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
