package io.raftlimiter.server.data.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Group commit against a fake log whose entries the test completes by hand. */
class GroupCommitterTest {
  private static final BucketLimit LIMIT = BucketLimit.of(1000, 1);

  /** Records submitted entries; each completes when the test says so. */
  private static final class FakeLog implements GroupCommitter.EntrySubmitter {
    final List<LogEntry> entries = new ArrayList<>();
    final List<CompletableFuture<List<Decision>>> replies = new ArrayList<>();

    @Override
    public synchronized CompletableFuture<List<Decision>> submit(byte[] encodedEntry) {
      entries.add(LogEntryCodec.decode(encodedEntry));
      CompletableFuture<List<Decision>> reply = new CompletableFuture<>();
      replies.add(reply);
      return reply;
    }

    /** Answers entry {@code i}: each op allowed, remaining = its permits (to tell them apart). */
    void commit(int i) {
      List<Decision> decisions = new ArrayList<>();
      for (BucketOp op : entries.get(i).ops()) {
        decisions.add(new Decision(true, op.permits(), 0));
      }
      replies.get(i).complete(decisions);
    }

    int size(int i) {
      return entries.get(i).ops().size();
    }
  }

  private static BucketOp op(long permits) {
    return BucketOp.of("k", permits, LIMIT);
  }

  @Test
  void anIdleCommitterSubmitsAtOnceAndAnswersEachOp() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, 4, 64, n -> {});
    CompletableFuture<Decision> decision = committer.submit(op(7));
    assertEquals(1, log.entries.size());
    assertEquals(0, log.entries.get(0).stampNanos(), "the leader stamps, not the committer");
    assertFalse(decision.isDone());
    log.commit(0);
    assertEquals(7, decision.get().remaining());
  }

  @Test
  void opsQueuedTogetherShareOneEntryEvenWhenTheCommitterIsIdle() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, 4, 64, n -> {});
    List<CompletableFuture<Decision>> decisions =
        committer.submitAll(List.of(op(1), op(2), op(3), op(4), op(5)));
    assertEquals(1, log.entries.size(), "one entry, not a first op alone and the rest after it");
    assertEquals(5, log.size(0));
    log.commit(0);
    for (int i = 0; i < decisions.size(); i++) {
      assertEquals(i + 1, decisions.get(i).get().remaining(), "answers in op order");
    }
  }

  @Test
  void acquiresArrivingDuringARoundGoOutTogetherInOrder() throws Exception {
    FakeLog log = new FakeLog();
    List<Integer> sizes = new ArrayList<>();
    GroupCommitter committer = new GroupCommitter(log, 100, 4, 64, sizes::add);
    CompletableFuture<Decision> first = committer.submit(op(1));
    List<CompletableFuture<Decision>> waiting = new ArrayList<>();
    for (int i = 2; i <= 11; i++) {
      waiting.add(committer.submit(op(i)));
    }
    assertEquals(1, log.entries.size(), "below the pipelining threshold nothing else goes out");
    assertEquals(10, committer.queued());
    log.commit(0);
    assertEquals(1, first.get().remaining());
    assertEquals(2, log.entries.size());
    assertEquals(10, log.size(1));
    assertEquals(0, committer.queued());
    log.commit(1);
    for (int i = 0; i < waiting.size(); i++) {
      assertEquals(i + 2, waiting.get(i).get().remaining(), "answers match their ops");
    }
    assertEquals(List.of(1, 10), sizes);
  }

  @Test
  void pipelinesOnlyAboveTheThresholdAndUpToMaxInFlight() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 5, 3, 5, n -> {});
    committer.submit(op(1));
    for (int i = 0; i < 4; i++) {
      committer.submit(op(1));
    }
    assertEquals(1, log.entries.size());
    committer.submit(op(1)); // the fifth waiting acquire reaches the threshold
    assertEquals(2, log.entries.size());
    assertEquals(5, log.size(1), "an entry holds at most maxOps");
    for (int i = 0; i < 20; i++) {
      committer.submit(op(1));
    }
    assertEquals(3, log.entries.size(), "never more than maxInFlight entries out");
    assertEquals(15, committer.queued());
    log.commit(0);
    assertEquals(4, log.entries.size(), "a freed slot takes the next full entry");
    assertEquals(5, log.size(3));
  }

  @Test
  void aFullEntryWaitingIsPipelinedBelowTheThreshold() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 5, 3, 1_000, n -> {});
    committer.submit(op(1));
    for (int i = 0; i < 4; i++) {
      committer.submit(op(1));
    }
    assertEquals(1, log.entries.size(), "four wait: the next entry could still grow");
    committer.submit(op(1));
    assertEquals(2, log.entries.size(), "a full entry waits: holding it back gains nothing");
    assertEquals(5, log.size(1));
  }

  @Test
  void anEntryFullInBytesWaitingIsPipelinedBelowTheThreshold() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 1000, 2_000, 2, 1_000, n -> {});
    BucketOp longKey = BucketOp.of("x".repeat(472), 1, LIMIT); // 500 bytes encoded
    committer.submit(longKey);
    for (int i = 0; i < 3; i++) {
      committer.submit(longKey);
    }
    assertEquals(1, log.entries.size(), "1,500 bytes wait: the next entry could still grow");
    committer.submit(longKey);
    assertEquals(2, log.entries.size(), "2,000 bytes wait, an entry's worth");
    assertEquals(4, log.size(1));
  }

  @Test
  void entriesStopGrowingAtTheByteCap() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 1000, 2_000, 1, 1, n -> {});
    BucketOp longKey = BucketOp.of("x".repeat(472), 1, LIMIT); // 500 bytes encoded
    assertEquals(500, LogEntryCodec.encodedSize(longKey));
    committer.submit(longKey);
    for (int i = 0; i < 10; i++) {
      committer.submit(longKey);
    }
    log.commit(0);
    assertEquals(4, log.size(1), "14 + 4 x 500 bytes reach the 2,000-byte cap");
    log.commit(1);
    assertEquals(4, log.size(2));
    log.commit(2);
    assertEquals(2, log.size(3));
  }

  @Test
  void aFailedEntryFailsEveryOpInItAndTheNextEntryStillGoesOut() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, 1, 64, n -> {});
    CompletableFuture<Decision> first = committer.submit(op(1));
    CompletableFuture<Decision> second = committer.submit(op(2));
    GroupUnavailableException unavailable = new GroupUnavailableException("no quorum", null);
    log.replies.get(0).completeExceptionally(unavailable);
    ExecutionException e = assertThrows(ExecutionException.class, first::get);
    assertSame(unavailable, e.getCause());
    assertEquals(2, log.entries.size());
    assertFalse(second.isDone());
  }

  @Test
  void aReplyOfTheWrongLengthIsAnErrorNotADecision() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, 1, 64, n -> {});
    CompletableFuture<Decision> decision = committer.submit(op(1));
    log.replies.get(0).complete(List.of());
    ExecutionException e = assertThrows(ExecutionException.class, decision::get);
    assertInstanceOf(IllegalStateException.class, e.getCause());
  }

  @Test
  void aBacklogFailingSynchronouslyDrainsInALoopNotARecursion() {
    CompletableFuture<List<Decision>> firstReply = new CompletableFuture<>();
    boolean[] closed = {false};
    GroupCommitter committer = new GroupCommitter(entry -> {
      if (closed[0]) {
        throw new GroupUnavailableException("closed", null);
      }
      return firstReply;
    }, 1, 1, 1, n -> {});
    List<CompletableFuture<Decision>> all = new ArrayList<>();
    for (int i = 0; i < 50_000; i++) {
      all.add(committer.submit(op(1)));
    }
    assertEquals(49_999, committer.queued());
    closed[0] = true;
    firstReply.completeExceptionally(new GroupUnavailableException("closed", null));
    assertTrue(all.stream().allMatch(CompletableFuture::isCompletedExceptionally));
    assertEquals(0, committer.queued());
  }

  /** One entry in flight at a time, so that later ops wait in the queue. */
  private static GroupCommitter bounded(FakeLog log, int maxQueued, long timeoutNanos) {
    return new GroupCommitter(log, 100, GroupCommitter.DEFAULT_MAX_ENTRY_BYTES, 1, 64, maxQueued,
        timeoutNanos, n -> {});
  }

  @Test
  void acquiresBeyondTheQueueBoundAreShedAndNothingOfThemIsQueued() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = bounded(log, 3, GroupCommitter.NO_DEADLINE);
    committer.submit(op(1)); // in flight
    List<CompletableFuture<Decision>> waiting = committer.submitAll(List.of(op(2), op(3)));
    List<CompletableFuture<Decision>> shed = committer.submitAll(List.of(op(4), op(5)));
    for (CompletableFuture<Decision> decision : shed) {
      ExecutionException e = assertThrows(ExecutionException.class, decision::get);
      OverloadedException overloaded = assertInstanceOf(OverloadedException.class, e.getCause());
      assertTrue(overloaded.retryAfterMillis() > 0);
    }
    BucketOp charge = op(6).as(OpKind.CHARGE, 6);
    CompletableFuture<Decision> charged = committer.submit(charge);
    assertFalse(charged.isDone(), "the node's own ops are never shed");

    log.commit(0);
    assertEquals(2, log.entries.size());
    assertEquals(List.of(op(2), op(3), charge), log.entries.get(1).ops(), "the shed ops never went");
    log.commit(1);
    assertEquals(2, waiting.get(0).get().remaining());
    assertEquals(6, charged.get().remaining());
  }

  /** Long keys fill the byte bound long before the op bound: they are shed by bytes. */
  @Test
  void acquiresBeyondTheByteBoundAreShed() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, GroupCommitter.DEFAULT_MAX_ENTRY_BYTES,
        1, 64, 1_000, 1_200, GroupCommitter.NO_DEADLINE, n -> {});
    BucketOp longKey = BucketOp.of("x".repeat(472), 1, LIMIT); // 500 bytes encoded
    committer.submit(op(1)); // in flight
    CompletableFuture<Decision> first = committer.submit(longKey);
    CompletableFuture<Decision> second = committer.submit(longKey);
    CompletableFuture<Decision> third = committer.submit(longKey);

    ExecutionException e = assertThrows(ExecutionException.class, third::get);
    assertInstanceOf(OverloadedException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("1000 bytes"), e.getCause().getMessage());
    assertFalse(first.isDone() || second.isDone(), "two fit: queued");
    log.commit(0);
    assertEquals(2, log.size(1), "the shed op never went");
  }

  @Test
  void anIdleQueueTakesABatchLargerThanTheBound() {
    FakeLog log = new FakeLog();
    GroupCommitter committer = bounded(log, 3, GroupCommitter.NO_DEADLINE);
    List<BucketOp> ten = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ten.add(op(i));
    }
    committer.submitAll(ten).forEach(d -> assertFalse(d.isCompletedExceptionally()));
    assertEquals(10, log.size(0));
  }

  @Test
  void opsWhoseDeadlinePassedInTheQueueAreDroppedBeforeTheLog() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = bounded(log, 100, GroupCommitter.NO_DEADLINE);
    committer.submit(op(1)); // in flight
    long now = System.nanoTime();
    CompletableFuture<Decision> gaveUp = committer.submitAll(List.of(op(2)), now - 1).get(0);
    CompletableFuture<Decision> patient =
        committer.submitAll(List.of(op(3)), now + 60_000_000_000L).get(0);
    log.commit(0);
    assertEquals(List.of(op(3)), log.entries.get(1).ops());
    ExecutionException e = assertThrows(ExecutionException.class, gaveUp::get);
    assertInstanceOf(DeadlineExpiredException.class, e.getCause());
    log.commit(1);
    assertEquals(3, patient.get().remaining());
  }

  @Test
  void theRequestTimeoutCountsFromArrival() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = bounded(log, 100, 5_000_000); // 5 ms
    committer.submit(op(1)); // in flight
    CompletableFuture<Decision> queued = committer.submit(op(2));
    Thread.sleep(50);
    log.commit(0);
    assertEquals(1, log.entries.size(), "nothing left to send");
    ExecutionException e = assertThrows(ExecutionException.class, queued::get);
    assertInstanceOf(DeadlineExpiredException.class, e.getCause());
  }

  @Test
  void closingFailsTheOpsOfAHeldEntryAndLaterOnesWithoutSendingThem() throws Exception {
    FakeLog log = new FakeLog();
    AtomicLong clock = new AtomicLong();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      // A round seen to take 1 s holds the next entry for up to 10 s: its timer stays out of
      // the way, as a stopping node's shut-down timer would.
      Linger linger = new Linger(2, TimeUnit.SECONDS.toNanos(10), 1_000, timer, clock::get);
      GroupCommitter committer = new GroupCommitter(log, 100,
          GroupCommitter.DEFAULT_MAX_ENTRY_BYTES, 1, 64, Integer.MAX_VALUE, Long.MAX_VALUE,
          TimeUnit.SECONDS.toNanos(30), linger, n -> {});
      List<CompletableFuture<Decision>> first = committer.submitAll(List.of(op(1), op(2)));
      clock.set(TimeUnit.SECONDS.toNanos(1));
      log.commit(0);
      assertTrue(first.get(1).get().allowed());
      CompletableFuture<Decision> held = committer.submit(op(3));
      assertFalse(held.isDone(), "held for the callers just answered");

      committer.close();
      ExecutionException stopped = assertThrows(ExecutionException.class,
          () -> held.get(5, TimeUnit.SECONDS));
      assertInstanceOf(GroupUnavailableException.class, stopped.getCause());
      CompletableFuture<Decision> late = committer.submit(op(4));
      assertInstanceOf(GroupUnavailableException.class, assertThrows(ExecutionException.class,
          () -> late.get(5, TimeUnit.SECONDS)).getCause());
      assertEquals(1, log.entries.size(), "nothing sent after the close");
      assertEquals(0, committer.queued());
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void closingLetsTheEntryInFlightBeAnsweredByTheLog() throws Exception {
    FakeLog log = new FakeLog();
    GroupCommitter committer = new GroupCommitter(log, 100, 1, 64, n -> {});
    CompletableFuture<Decision> inFlight = committer.submit(op(1));
    CompletableFuture<Decision> queued = committer.submit(op(2));
    committer.close();
    assertInstanceOf(GroupUnavailableException.class, assertThrows(ExecutionException.class,
        () -> queued.get(5, TimeUnit.SECONDS)).getCause());
    log.commit(0);
    assertEquals(1, inFlight.get().remaining());
    assertEquals(1, log.entries.size());
  }
}
