package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.MalformedEntryException;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.WriteBehindBucketStore;
import io.raftlimiter.testing.FakeRaftServer;
import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Ratis adapter driven by hand: no cluster, a fake clock, a directory under @TempDir. */
class RateLimiterStateMachineTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final RaftPeerId PEER = RaftPeerId.valueOf("s1");
  private static final RaftGroupId GROUP = RaftGroupId.randomId();
  private static final BucketLimit LIMIT = BucketLimit.of(5, 1);

  @TempDir
  Path tempDir;
  private FakeRaftStorage storage;
  private final AtomicLong clockNanos = new AtomicLong(T0);
  private final AtomicLong monotonicNanos = new AtomicLong(0);
  private RateLimiterStateMachine machine;

  private RateLimiterStateMachine start() throws IOException {
    TimeSource clocks = new TimeSource() {
      @Override
      public long nowNanos() {
        return clockNanos.get();
      }

      @Override
      public long monotonicNanos() {
        return monotonicNanos.get();
      }
    };
    RateLimiterStateMachine started = new RateLimiterStateMachine(clocks, 2,
        WriteBehindBucketStore.DEFAULT_MAX_PENDING_KEYS, SECOND);
    started.initialize(FakeRaftServer.withId(PEER), GROUP, storage);
    return started;
  }

  @BeforeEach
  void setUp() throws IOException {
    storage = new FakeRaftStorage(tempDir.resolve("raft"));
    machine = start();
  }

  @AfterEach
  void tearDown() throws IOException {
    machine.close();
  }

  private static RaftClientRequest request(byte[] content) {
    return RaftClientRequest.newBuilder()
        .setClientId(ClientId.randomId())
        .setServerId(PEER)
        .setGroupId(GROUP)
        .setCallId(1)
        .setMessage(Message.valueOf(ByteString.copyFrom(content)))
        .setType(RaftClientRequest.writeRequestType())
        .build();
  }

  private List<Decision> apply(RateLimiterStateMachine sm, long term, long index, LogEntry entry) {
    LogEntryProto proto = LogEntryProto.newBuilder().setTerm(term).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
            .setLogData(ByteString.copyFrom(LogEntryCodec.encode(entry))))
        .build();
    TransactionContext trx = TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
        .setStateMachine(sm).setLogEntry(proto).build();
    Message reply = sm.applyTransaction(trx).join();
    return DecisionCodec.decode(reply.getContent().asReadOnlyByteBuffer());
  }

  private static LogEntry entry(long stampNanos, String key, long permits) {
    return new LogEntry(stampNanos, List.of(BucketOp.of(key, permits, LIMIT)));
  }

  @Test
  void startTransactionStampsValidEntriesAndRejectsMalformedOnes() throws IOException {
    byte[] unstamped = LogEntryCodec.encode(entry(0, "k", 1));
    TransactionContext trx = machine.startTransaction(request(unstamped));
    assertNull(trx.getException());
    LogEntry stamped = LogEntryCodec.decode(trx.getStateMachineLogEntry().getLogData().toByteArray());
    assertEquals(entry(T0, "k", 1), stamped);

    TransactionContext rejected = machine.startTransaction(request(new byte[] {1, 1, 0}));
    assertInstanceOf(MalformedEntryException.class, rejected.getException());
  }

  @Test
  void stampsNeverRunBehindWhatWasIssuedOrApplied() {
    assertEquals(T0, machine.nextStampNanos());
    clockNanos.set(T0 - 10 * SECOND); // the clock steps back
    assertEquals(T0, machine.nextStampNanos());
    clockNanos.set(T0 + SECOND);
    assertEquals(T0 + SECOND, machine.nextStampNanos());

    apply(machine, 1, 1, entry(T0 + 50 * SECOND, "k", 1)); // stamped by a leader running ahead
    assertEquals(T0 + 50 * SECOND, machine.nextStampNanos());
  }

  @Test
  void aLeadersStampsFollowItsMonotonicClockWithinTheAllowance() {
    monotonicNanos.set(100 * SECOND);
    apply(machine, 1, 1, entry(T0, "k", 1)); // applied here at monotonic 100 s
    machine.notifyLeaderReady();
    monotonicNanos.set(102 * SECOND);
    clockNanos.set(T0 + 3_600 * SECOND); // the wall clock jumped an hour ahead
    assertEquals(T0 + 2 * SECOND + SECOND, machine.nextStampNanos(), "2 s passed, plus 1 s allowed");
    assertEquals(1, machine.clampedStamps());
    assertEquals(3_598 * SECOND, machine.clockSkewNanos());

    clockNanos.set(T0 - 3_600 * SECOND); // and then an hour behind
    monotonicNanos.set(110 * SECOND);
    assertEquals(T0 + 10 * SECOND - SECOND, machine.nextStampNanos(), "refill goes on regardless");
  }

  /**
   * A founding leader has applied nothing to anchor to: it anchors to its own clock as it takes
   * office, and a wall-clock step after that moves its stamps by the allowance at most.
   */
  @Test
  void aFoundingLeadersStampsStayWithinTheAllowanceOfItsMonotonicClock() {
    monotonicNanos.set(100 * SECOND);
    machine.notifyLeaderReady(); // nothing applied: the store's stamp is 0

    monotonicNanos.set(105 * SECOND);
    clockNanos.set(T0 - 3_600 * SECOND); // the wall clock steps an hour back
    assertEquals(T0 + 5 * SECOND - SECOND, machine.nextStampNanos(), "5 s passed, less 1 s allowed");
    assertEquals(-3_605 * SECOND, machine.clockSkewNanos(), "the skew is reported, not 0");

    monotonicNanos.set(110 * SECOND);
    clockNanos.set(T0 + 3_600 * SECOND); // and then an hour ahead
    assertEquals(T0 + 10 * SECOND + SECOND, machine.nextStampNanos(), "10 s passed, plus 1 s");
    assertEquals(3_590 * SECOND, machine.clockSkewNanos());
    assertEquals(2, machine.clampedStamps());
  }

  @Test
  void applyTransactionRepliesWithTheDecisionsAndRecordsTheTermIndex() {
    assertEquals(List.of(new Decision(true, 2, 0)), apply(machine, 1, 1, entry(T0, "k", 3)));
    assertEquals(List.of(new Decision(false, 2, 1_000)), apply(machine, 1, 2, entry(T0, "k", 3)));
    assertEquals(List.of(new Decision(true, 0, 0)), apply(machine, 2, 3, entry(T0 + SECOND, "k", 3)));
    assertEquals(TermIndex.valueOf(2, 3), machine.getLastAppliedTermIndex());
    assertEquals(new AppliedMarker(2, 3, T0 + SECOND), machine.currentStore().appliedMarker());
  }

  @Test
  void aRestartRestoresTheLatestSnapshotNotTheWorkingDatabase() throws IOException {
    assertEquals(-1, machine.takeSnapshot(), "nothing applied, nothing to snapshot");
    apply(machine, 1, 1, entry(T0, "a", 2));
    apply(machine, 1, 2, entry(T0, "b", 4));
    assertEquals(2, machine.takeSnapshot());
    assertEquals(2, machine.takeSnapshot(), "taking it again is a no-op");
    List<String> atSnapshot = StoreDump.of(machine.currentStore());
    AppliedMarker markerAtSnapshot = machine.currentStore().appliedMarker();
    apply(machine, 1, 3, entry(T0, "c", 1)); // after the snapshot: Ratis replays it from its log
    machine.close();

    machine = start();
    assertEquals(TermIndex.valueOf(1, 2), machine.getLastAppliedTermIndex());
    assertEquals(TermIndex.valueOf(1, 2), machine.getLatestSnapshot().getTermIndex());
    assertEquals(atSnapshot, StoreDump.of(machine.currentStore()));
    assertEquals(markerAtSnapshot, machine.currentStore().appliedMarker());
    assertEquals(List.of(new Decision(true, 4, 0)), apply(machine, 1, 3, entry(T0, "c", 1)));
  }

  /**
   * The outcomes of ops with ids go into the snapshot with the buckets: a replica restarted (or
   * sent the snapshot) answers a repeat as the others do, not by charging it again.
   */
  @Test
  void aRepeatAfterARestartIsAnsweredFromTheSnapshot() throws IOException {
    BucketOp withId = BucketOp.of("k", 5, LIMIT).withId(new byte[] {4, 2});
    assertEquals(List.of(new Decision(true, 0, 0)),
        apply(machine, 1, 1, new LogEntry(T0, List.of(withId))));
    machine.takeSnapshot();
    machine.close();

    machine = start();
    assertEquals(List.of(new Decision(true, 0, 0).asReplayed()),
        apply(machine, 1, 2, new LogEntry(T0, List.of(withId))), "answered, not charged");
    assertEquals(List.of(new Decision(false, 0, 5_000)),
        apply(machine, 1, 3, new LogEntry(T0, List.of(BucketOp.of("k", 5, LIMIT)))));
  }

  @Test
  void aRestartWithoutASnapshotStartsEmpty() throws IOException {
    apply(machine, 1, 1, entry(T0, "a", 2));
    machine.close();
    machine = start();
    assertNull(machine.getLastAppliedTermIndex());
    assertEquals(List.of(), StoreDump.of(machine.currentStore()));
    assertEquals(AppliedMarker.NONE, machine.currentStore().appliedMarker());
  }

  @Test
  void reinitializeLoadsASnapshotInstalledIntoTheDirectory() throws IOException {
    apply(machine, 3, 7, entry(T0, "x", 5));
    machine.takeSnapshot();
    List<String> atSnapshot = StoreDump.of(machine.currentStore());
    apply(machine, 3, 8, entry(T0, "y", 5));

    machine.reinitialize();
    assertEquals(1, machine.snapshotsInstalled());
    assertEquals(TermIndex.valueOf(3, 7), machine.getLastAppliedTermIndex());
    assertEquals(atSnapshot, StoreDump.of(machine.currentStore()));
  }

  @Test
  void theStoreIsUnavailableAfterClose() throws IOException {
    machine.close();
    assertThrows(IllegalStateException.class, () -> machine.currentStore());
  }

  /**
   * The node's status reads these figures every 500 ms while a snapshot installation may hold
   * the state machine for its whole restore: they answer at once, with the figures from before.
   */
  @Test
  void statusFiguresDoNotWaitForARestoreThatHoldsTheStateMachine() throws Exception {
    apply(machine, 1, 1, entry(T0, "x", 1));
    apply(machine, 1, 2, entry(T0, "y", 1));
    long stored = machine.storedBuckets();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch released = new CountDownLatch(1);
    Thread restore = new Thread(() -> {
      synchronized (machine) { // as pause() and reinitialize() do
        held.countDown();
        awaitQuietly(released);
      }
    });
    restore.start();
    try {
      held.await();
      CompletableFuture<Long> read = CompletableFuture.supplyAsync(() -> machine.storedBuckets()
          + machine.snapshotsInstalled() + machine.clampedStamps());

      assertEquals(stored, read.get(2, TimeUnit.SECONDS));
    } finally {
      released.countDown();
      restore.join();
    }
  }

  /** A status read during restores never meets a closed store. */
  @Test
  void statusReadsDuringRestoresAnswer() throws Exception {
    apply(machine, 1, 1, entry(T0, "x", 1));
    machine.takeSnapshot();
    AtomicBoolean restoring = new AtomicBoolean(true);
    CompletableFuture<Long> reads = CompletableFuture.supplyAsync(() -> {
      long answers = 0;
      while (restoring.get()) {
        assertTrue(machine.storedBuckets() >= 0);
        answers++;
      }
      return answers;
    });
    for (int i = 0; i < 5; i++) {
      machine.reinitialize();
    }
    restoring.set(false);
    assertTrue(reads.get(10, TimeUnit.SECONDS) > 0);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
