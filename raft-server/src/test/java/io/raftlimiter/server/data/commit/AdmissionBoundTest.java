package io.raftlimiter.server.data.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AdmissionBoundTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1);

  /** A queue whose one batch in flight never completes: whatever is admitted stays queued. */
  private static Coalescer<CompletableFuture<Decision>, Void> stuckQueue() {
    return new Coalescer<>(1, f -> 16, 1 << 20, 1, 1,
        batch -> new CompletableFuture<>(), (batch, result, error) -> { });
  }

  private static CompletableFuture<Decision> admitOne(AdmissionBound bound,
      Coalescer<CompletableFuture<Decision>, Void> queue, BucketOp op) {
    return bound.admit(queue, List.of(op), (i, o, result) -> result).get(0);
  }

  @Test
  void acquiresBeyondTheBoundAreShedAndTheNodesOwnOpsAreNot() {
    AdmissionBound bound = new AdmissionBound(3, 1 << 20);
    Coalescer<CompletableFuture<Decision>, Void> queue = stuckQueue();
    BucketOp acquire = BucketOp.of("k", 1, LIMIT);
    admitOne(bound, queue, acquire); // goes in flight
    for (int i = 0; i < 3; i++) {
      assertTrue(!admitOne(bound, queue, acquire).isDone());
    }
    assertEquals(3, queue.queued());

    CompletableFuture<Decision> shed = admitOne(bound, queue, acquire);
    assertTrue(shed.isCompletedExceptionally());
    assertInstanceOf(OverloadedException.class,
        shed.handle((decision, error) -> error).join());
    assertTrue(!admitOne(bound, queue, acquire.as(OpKind.CHARGE, 1)).isDone(),
        "a charge of the node's own is queued whatever the bound");
    assertEquals(4, queue.queued());
  }

  /**
   * The check and the queuing are one step: a caller held between them (here, while its op is
   * made) keeps a second caller from checking the queue it is about to fill. Without the lock,
   * the second passes the check the first already passed, and both are queued past the bound.
   */
  @Test
  void aCallerBetweenItsCheckAndItsQueuingHoldsOffTheNext() throws Exception {
    AdmissionBound bound = new AdmissionBound(2, 1 << 20);
    Coalescer<CompletableFuture<Decision>, Void> queue = stuckQueue();
    BucketOp acquire = BucketOp.of("k", 1, LIMIT);
    admitOne(bound, queue, acquire); // in flight for good
    admitOne(bound, queue, acquire); // one waiting: room for one more
    CountDownLatch firstChecked = new CountDownLatch(1);
    CountDownLatch secondDone = new CountDownLatch(1);
    CompletableFuture<CompletableFuture<Decision>> first = CompletableFuture.supplyAsync(
        () -> bound.admit(queue, List.of(acquire), (i, op, result) -> {
          firstChecked.countDown();
          try {
            // long enough for the second caller to check and queue, were it let in
            secondDone.await(500, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return result;
        }).get(0));
    assertTrue(firstChecked.await(10, TimeUnit.SECONDS));
    CompletableFuture<CompletableFuture<Decision>> second = CompletableFuture.supplyAsync(
        () -> admitOne(bound, queue, acquire));
    CompletableFuture<Decision> secondResult = second.get(10, TimeUnit.SECONDS);
    secondDone.countDown();
    assertTrue(!first.get(10, TimeUnit.SECONDS).isDone(), "the first caller was queued");
    assertTrue(secondResult.isCompletedExceptionally(), "the second caller was shed");
    assertEquals(2, queue.queued());
  }

  /** Callers arriving together cannot pass the bound together. */
  @Test
  void concurrentCallersNeverQueueMoreThanTheBound() throws Exception {
    int maxQueued = 100;
    AdmissionBound bound = new AdmissionBound(maxQueued, 1 << 20);
    Coalescer<CompletableFuture<Decision>, Void> queue = stuckQueue();
    BucketOp acquire = BucketOp.of("k", 1, LIMIT);
    admitOne(bound, queue, acquire); // in flight for good
    int threads = 8;
    int each = 200;
    AtomicInteger shed = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    Thread[] callers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      callers[t] = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          if (admitOne(bound, queue, acquire).isCompletedExceptionally()) {
            shed.incrementAndGet();
          }
        }
      });
      callers[t].start();
    }
    start.countDown();
    for (Thread caller : callers) {
      caller.join();
    }
    assertEquals(maxQueued, queue.queued());
    assertEquals(threads * each - maxQueued, shed.get());
  }
}
