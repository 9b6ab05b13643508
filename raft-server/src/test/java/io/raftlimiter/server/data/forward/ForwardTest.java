package io.raftlimiter.server.data.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.raftlimiter.api.peer.v1.ForwardRequest;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.GroupOps;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.commit.AdmissionBound;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.Linger;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@link Forwarder} against a real {@link ForwardService} on loopback, whose groups are fakes:
 * every outcome an op can have, and that ops of several groups leave in one batch.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForwardTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1.0);

  /** Leads groups 0 and 1 (not 2); group 1's commits fail for keys starting with "bad". */
  private final class FakeGroups implements ForwardService.Groups {
    final Map<Integer, List<String>> committed = new ConcurrentHashMap<>();
    /** Per op queued: the nanoseconds left to its deadline on arrival, -1 for none. */
    final List<Long> budgets = new CopyOnWriteArrayList<>();
    volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
    /** Holds group 1's answers besides {@link #gate}: a group slower than the others. */
    volatile CompletableFuture<Void> groupOneGate = CompletableFuture.completedFuture(null);

    @Override
    public int count() {
      return 3;
    }

    @Override
    public boolean leads(int group) {
      return group != 2;
    }

    @Override
    public List<CompletableFuture<Decision>> commitAll(int group, List<BucketOp> ops,
        IntToLongFunction deadlinesNanos) {
      List<CompletableFuture<Decision>> decided = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        budgets.add(deadlinesNanos.applyAsLong(i) == GroupCommitter.NO_DEADLINE ? -1
            : deadlinesNanos.applyAsLong(i) - System.nanoTime());
        decided.add(commit(group, ops.get(i)));
      }
      return decided;
    }

    CompletableFuture<Decision> commit(int group, BucketOp op) {
      String key = new String(op.key());
      committed.computeIfAbsent(group, g -> new ArrayList<>()).add(key);
      if (key.startsWith("full")) {
        return CompletableFuture.failedFuture(new OverloadedException("queue full", 37));
      }
      if (key.startsWith("late")) {
        return CompletableFuture.failedFuture(new DeadlineExpiredException("too late"));
      }
      CompletableFuture<Void> held = group == 1 ? gate.thenCombine(groupOneGate, (a, b) -> a)
          : gate;
      return held.thenApply(v -> {
        if (key.startsWith("bad")) {
          throw new GroupUnavailableException("group " + group + " lost its quorum", null);
        }
        return new Decision(true, 10 - op.permits(), 0);
      });
    }
  }

  private final FakeGroups groups = new FakeGroups();
  private Server server;
  private Forwarder forwarder;

  private String start() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(new ForwardService(groups))
        .build()
        .start();
    forwarder = new Forwarder(5_000, 1_000, 2, NodeTransport.plaintext());
    return "127.0.0.1:" + server.getPort();
  }

  /** Replaces {@link #start}'s forwarder by one with these settings. */
  private void replaceForwarder(int maxInFlight, int pipelineThreshold, AdmissionBound bound) {
    forwarder.close();
    forwarder = new Forwarder(5_000, 1_000, maxInFlight, pipelineThreshold, Linger.NONE, bound,
        NodeTransport.plaintext());
  }

  @AfterEach
  void stop() {
    if (forwarder != null) {
      forwarder.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private CompletableFuture<Decision> forward(String address, int group, BucketOp op) {
    return forwarder.forwardAll(address, group, List.of(op), GroupCommitter.NO_DEADLINE).get(0);
  }

  private static BucketOp op(String key, long permits) {
    return BucketOp.of(key, permits, LIMIT);
  }

  private static Throwable failureOf(CompletableFuture<Decision> future) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> future.get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void opsOfALedGroupAreCommittedThereAndAnsweredInOrder() throws Exception {
    String address = start();
    Decision first = forward(address, 0, op("a", 1)).get(10, TimeUnit.SECONDS);
    Decision second = forward(address, 1, op("b", 3)).get(10, TimeUnit.SECONDS);
    assertTrue(first.allowed());
    assertEquals(9, first.remaining());
    assertEquals(7, second.remaining());
    assertEquals(List.of("a"), groups.committed.get(0));
    assertEquals(List.of("b"), groups.committed.get(1));
  }

  @Test
  void opsQueuedBehindABatchInFlightLeaveTogetherWhateverTheirGroup() throws Exception {
    String address = start();
    // two batches in flight at most, a second one only once 5 ops wait
    replaceForwarder(2, 5, AdmissionBound.NONE);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    groups.gate = gate; // holds every answer: the calls sent stay in flight
    List<CompletableFuture<Decision>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(forward(address, i % 2, op("k" + i, 1)));
    }
    // The first op went alone; four wait, below the threshold: no second call beside it.
    awaitCommitted(1);
    Thread.sleep(200);
    assertEquals(1, committedCount(), "only the batch in flight reached the leader");
    answers.add(forward(address, 5 % 2, op("k5", 1)));
    awaitCommitted(6); // five wait: they go together beside the first
    for (int i = 6; i < 40; i++) {
      answers.add(forward(address, i % 2, op("k" + i, 1)));
    }
    Thread.sleep(200);
    assertEquals(6, committedCount(), "two batches in flight at most: the rest wait");
    gate.complete(null);
    for (CompletableFuture<Decision> answer : answers) {
      assertTrue(answer.get(10, TimeUnit.SECONDS).allowed());
    }
    assertEquals(20, groups.committed.get(0).size());
    assertEquals(20, groups.committed.get(1).size());
  }

  /**
   * With the node's default, the ops that come while a call is in flight reach the leader a few
   * at a time, while its entry is out, instead of all after the call's answer: a follower of a
   * closed loop of 64 callers has about 21 of them, and at the group commit's 64 it never sent a
   * second call.
   */
  @Test
  void byDefaultAFewOpsWaitingGoBesideTheCallInFlight() throws Exception {
    String address = start();
    replaceForwarder(4, NodeConfigKeys.FORWARD_PIPELINE_THRESHOLD.defaultValue(),
        AdmissionBound.NONE);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    groups.gate = gate;
    List<CompletableFuture<Decision>> answers = new ArrayList<>();
    answers.add(forward(address, 0, op("first", 1)));
    awaitCommitted(1);
    // a follower's share of 64 callers, all come while the first call is out
    for (int i = 0; i < 64 / 3; i++) {
      answers.add(forward(address, 0, op("k" + i, 1)));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (committedCount() == 1 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertTrue(committedCount() > 1, "no further call before the first one's answer");
    gate.complete(null);
    for (CompletableFuture<Decision> answer : answers) {
      assertTrue(answer.get(10, TimeUnit.SECONDS).allowed());
    }
  }

  /**
   * Ops of two groups that left in one batch are answered group by group: the group that decided
   * is not held by a slower one (one without a quorum, say) until the slower answers or the
   * forward times out.
   */
  @Test
  void aSlowGroupDoesNotHoldTheAnswersOfAnotherGroupsOps() throws Exception {
    String address = start();
    // one call in flight at most: the ops queued behind it leave together
    replaceForwarder(1, 1_000, AdmissionBound.NONE);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    groups.gate = gate;
    CompletableFuture<Decision> first = forward(address, 0, op("first", 1));
    awaitCommitted(1);
    CompletableFuture<Decision> quick = forward(address, 0, op("quick", 1));
    CompletableFuture<Decision> slow = forward(address, 1, op("slow", 1));
    groups.groupOneGate = new CompletableFuture<>();
    gate.complete(null);
    assertTrue(first.get(10, TimeUnit.SECONDS).allowed());
    assertTrue(quick.get(10, TimeUnit.SECONDS).allowed(), "held by group 1's answer");
    assertFalse(slow.isDone());
    groups.groupOneGate.complete(null);
    assertTrue(slow.get(10, TimeUnit.SECONDS).allowed());
  }

  private int committedCount() {
    return groups.committed.values().stream().mapToInt(List::size).sum();
  }

  private void awaitCommitted(int ops) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (committedCount() < ops && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(ops, committedCount(), "ops that reached the leader: " + groups.committed);
  }

  @Test
  void aGroupTheNodeDoesNotLeadIsRefusedWithoutQueuingAnything() throws Exception {
    String address = start();
    Throwable error = failureOf(forward(address, 2, op("a", 1)));
    assertInstanceOf(ForwardRefusedException.class, error);
    assertFalse(groups.committed.containsKey(2), "nothing was queued");
  }

  /** Shed and expired ops took nothing: they come back as what they are, not as UNAVAILABLE. */
  @Test
  void shedAndExpiredOpsKeepTheirMeaningAcrossTheForward() throws Exception {
    String address = start();
    Throwable shed = failureOf(forward(address, 0, op("full", 1)));
    assertInstanceOf(OverloadedException.class, shed);
    assertEquals(37, ((OverloadedException) shed).retryAfterMillis());
    assertInstanceOf(DeadlineExpiredException.class, failureOf(forward(address, 0, op("late", 1))));
  }

  @Test
  void theCallersDeadlineTravelsWithEachOp() throws Exception {
    String address = start();
    long in3s = System.nanoTime() + TimeUnit.SECONDS.toNanos(3); // inside the 5 s forward timeout
    forwarder.forwardAll(address, 0, List.of(op("a", 1)), in3s).get(0).get(10, TimeUnit.SECONDS);
    forward(address, 0, op("b", 1)).get(10, TimeUnit.SECONDS);
    long budget = groups.budgets.get(0);
    assertTrue(budget > TimeUnit.SECONDS.toNanos(2) && budget <= TimeUnit.SECONDS.toNanos(3),
        "about 3 s left on arrival: " + budget);
    long noDeadline = groups.budgets.get(1);
    assertTrue(noDeadline > 0 && noDeadline <= TimeUnit.SECONDS.toNanos(5),
        "a caller without a deadline: the forward's timeout, so the op cannot wait forever in a"
            + " queue: " + noDeadline);
    long gone = System.nanoTime() - 1;
    assertInstanceOf(DeadlineExpiredException.class,
        failureOf(forwarder.forwardAll(address, 0, List.of(op("c", 1)), gone).get(0)),
        "a caller who already left: not even sent");
    assertEquals(2, groups.budgets.size());
  }

  /**
   * A follower's queue towards its leader is bounded like the leader's own: ops beyond it are shed
   * at once, not held until their callers give up.
   */
  @Test
  void aLinksQueueIsBoundedAndShedsAcquiresBeyondIt() throws Exception {
    String address = start();
    replaceForwarder(1, 1, new AdmissionBound(10, 1 << 20));
    CompletableFuture<Void> gate = new CompletableFuture<>();
    groups.gate = gate; // the call in flight stays in flight, so the rest queue
    List<CompletableFuture<Decision>> admitted = new ArrayList<>();
    admitted.add(forward(address, 0, op("first", 1)));
    for (int i = 0; i < 10; i++) {
      admitted.add(forward(address, 0, op("queued" + i, 1)));
    }
    CompletableFuture<Decision> beyond = forward(address, 0, op("beyond", 1));

    Throwable shed = failureOf(beyond);
    assertInstanceOf(OverloadedException.class, shed, String.valueOf(shed));
    gate.complete(null);
    for (CompletableFuture<Decision> answer : admitted) {
      assertTrue(answer.get(10, TimeUnit.SECONDS).allowed());
    }
    assertFalse(groups.committed.get(0).contains("beyond"), "a shed op is never sent");
  }

  @Test
  void anOpItsGroupCouldNotDecideFailsAloneAsUnavailable() throws Exception {
    String address = start();
    CompletableFuture<Void> gate = new CompletableFuture<>();
    groups.gate = gate;
    CompletableFuture<Decision> good = forward(address, 1, op("good", 1));
    CompletableFuture<Decision> bad = forward(address, 1, op("bad", 1));
    CompletableFuture<Decision> alsoGood = forward(address, 1, op("fine", 1));
    gate.complete(null);
    assertTrue(good.get(10, TimeUnit.SECONDS).allowed());
    assertTrue(alsoGood.get(10, TimeUnit.SECONDS).allowed());
    Throwable error = failureOf(bad);
    assertInstanceOf(GroupUnavailableException.class, error);
    assertTrue(error.getMessage().contains("lost its quorum"), error.getMessage());
  }

  @Test
  void aNodeThatCannotBeReachedRefusesSoTheOpCanGoAnotherWay() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    forwarder = new Forwarder(5_000, 1_000, 2, NodeTransport.plaintext());
    Throwable error = failureOf(forward("127.0.0.1:" + closedPort, 0, op("a", 1)));
    assertInstanceOf(ForwardRefusedException.class, error, String.valueOf(error));
  }

  @Test
  void aLeaderThatDiesWithOpsInFlightAnswersUnavailableNeverAllowed() throws Exception {
    String address = start();
    groups.gate = new CompletableFuture<>(); // never answers
    CompletableFuture<Decision> pending = forward(address, 0, op("a", 1));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!groups.committed.containsKey(0) && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    server.shutdownNow();
    Throwable error = failureOf(pending);
    assertInstanceOf(GroupUnavailableException.class, error, String.valueOf(error));
  }

  @Test
  void aGroupUnknownToTheReceiverIsAnInvalidRequest() throws Exception {
    String address = start();
    Throwable error = failureOf(forward(address, 7, op("a", 1)));
    assertInstanceOf(GroupUnavailableException.class, error);
    assertTrue(error.getMessage().contains("INVALID_ARGUMENT"), error.getMessage());
  }

  /**
   * A charge batch is proposed as an entry of its own; forwarded, its charges would be queued op
   * by op, without the id that makes the batch apply once. So it is refused and nothing queued.
   */
  @Test
  void aForwardedChargeBatchIsRefusedAndQueuesNothing() throws Exception {
    String address = start();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(address)
        .usePlaintext().build();
    try {
      byte[] batch = LogEntryCodec.encode(LogEntry.chargeBatch(new byte[] {1, 2},
          List.of(op("a", 1).as(OpKind.CHARGE, 1))));
      ForwardRequest request = ForwardRequest.newBuilder()
          .addGroups(GroupOps.newBuilder().setGroup(0).setEntry(ByteString.copyFrom(batch)))
          .build();
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> ForwarderGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS).forward(request));
      assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
      assertTrue(groups.committed.isEmpty(), "nothing queued: " + groups.committed);
    } finally {
      channel.shutdownNow();
    }
  }
}
