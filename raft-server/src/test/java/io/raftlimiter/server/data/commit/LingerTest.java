package io.raftlimiter.server.data.commit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The next batch is held after a large one, so that the callers it answered ride in it, and
 * never at low load. Rounds are measured on a clock the test moves; the timer is real.
 */
class LingerTest {
  private final AtomicLong clock = new AtomicLong();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<List<Integer>> sent = new ArrayList<>();
  private final List<CompletableFuture<Integer>> replies = new ArrayList<>();

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  private Coalescer<Integer, Integer> coalescer(long maxMillis) {
    Linger linger = new Linger(4, TimeUnit.MILLISECONDS.toNanos(maxMillis), 25, timer, clock::get);
    return new Coalescer<>(1_000, item -> 1, Integer.MAX_VALUE, 1, 1_000,
        Coalescer.Expiry.never(), linger, this::send, (batch, result, error) -> {});
  }

  private synchronized CompletableFuture<Integer> send(List<Integer> batch) {
    sent.add(List.copyOf(batch));
    CompletableFuture<Integer> reply = new CompletableFuture<>();
    replies.add(reply);
    return reply;
  }

  private synchronized int batches() {
    return sent.size();
  }

  /**
   * A coalescer whose first batch, of {@code items} with {@code waiting} queued behind it, took
   * a round of 200 ms: the next is held for a quarter of it, 50 ms.
   */
  private Coalescer<Integer, Integer> heldFor50Millis(int items, int waiting) {
    Coalescer<Integer, Integer> coalescer = coalescer(60_000);
    roundOf(coalescer, items, waiting);
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
    replies.get(0).complete(0);
    return coalescer;
  }

  /** Waits up to 10 s for {@code count} batches, sent by the hold's timer. */
  private void awaitBatches(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (batches() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  /** Sends one batch of {@code items} and queues {@code waiting} more behind it. */
  private void roundOf(Coalescer<Integer, Integer> coalescer, int items, int waiting) {
    List<Integer> batch = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      batch.add(i);
    }
    coalescer.addAll(batch); // idle: goes out at once, whole
    for (int i = 0; i < waiting; i++) {
      coalescer.add(100 + i);
    }
  }

  @Test
  void afterALargeBatchTheNextWaitsForTheAnsweredCallers() {
    Coalescer<Integer, Integer> coalescer = coalescer(60_000);
    roundOf(coalescer, 10, 3);
    assertEquals(1, batches());
    clock.addAndGet(TimeUnit.SECONDS.toNanos(40)); // a round of 40 s: held up to 10 s
    replies.get(0).complete(0);
    assertEquals(1, batches(), "held: 3 waiting, 13 expected");
    for (int i = 0; i < 9; i++) {
      coalescer.add(200 + i);
    }
    assertEquals(1, batches(), "12 of 13");
    assertEquals(Coalescer.Holds.NONE, coalescer.holds(), "the hold under way is not counted");
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(3));
    coalescer.add(209);
    assertEquals(2, batches(), "the answered cohort came back: out at once");
    assertEquals(13, sent.get(1).size());
    assertEquals(new Coalescer.Holds(1, 0, TimeUnit.MILLISECONDS.toNanos(3)), coalescer.holds(),
        "one hold, of 3 ms, ended by the callers");
  }

  @Test
  void aHoldEndsAtItsTimeWithWhateverCame() throws Exception {
    Coalescer<Integer, Integer> coalescer = heldFor50Millis(10, 3);
    assertEquals(1, batches());
    awaitBatches(2);
    assertEquals(2, batches(), "the timer sent the held batch");
    assertEquals(List.of(100, 101, 102), sent.get(1));
    assertEquals(1, coalescer.holds().count());
    assertEquals(1, coalescer.holds().timedOut(), "ended by its time");
  }

  @Test
  void anArrivalAfterTheHoldsTimeSendsWithoutTheTimer() {
    Coalescer<Integer, Integer> coalescer = coalescer(60_000);
    roundOf(coalescer, 10, 3);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(40));
    replies.get(0).complete(0);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(11)); // past the 10 s hold on the test's clock
    coalescer.add(7);
    assertEquals(2, batches());
    assertEquals(4, sent.get(1).size());
  }

  @Test
  void smallBatchesAndFailuresHoldNothing() {
    Coalescer<Integer, Integer> coalescer = coalescer(60_000);
    roundOf(coalescer, 3, 2); // below minItems (4): low load
    clock.addAndGet(TimeUnit.SECONDS.toNanos(40));
    replies.get(0).complete(0);
    assertEquals(2, batches(), "sent at once");
    coalescer.add(1);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(40));
    replies.get(1).completeExceptionally(new IllegalStateException("no quorum"));
    assertEquals(3, batches(), "a failed batch holds nothing back");
    assertEquals(Coalescer.Holds.NONE, coalescer.holds());
  }

  @Test
  void aHoldNeverExceedsItsMaximum() {
    Linger linger = new Linger(4, TimeUnit.MILLISECONDS.toNanos(2), 25, timer, clock::get);
    assertEquals(TimeUnit.MILLISECONDS.toNanos(2), linger.holdNanos(10, TimeUnit.SECONDS.toNanos(1)));
    assertEquals(250_000, linger.holdNanos(10, 1_000_000), "a quarter of a short round");
    assertEquals(0, linger.holdNanos(3, TimeUnit.SECONDS.toNanos(1)));
    assertTrue(!Linger.of(4, 0, 25, timer).enabled(), "0 µs: off");
    assertTrue(!Linger.of(4, 1_000, 0, timer).enabled(), "0%: off");
    assertEquals(1_500_000, Linger.of(4, 2_000, 150, timer).holdNanos(10, 1_000_000),
        "150% of a 1 ms round");
  }

  @Test
  void afterAHoldRanOutTheNextWaitsOnlyForAsManyAsCameBack() throws Exception {
    Coalescer<Integer, Integer> coalescer = heldFor50Millis(10, 0);
    for (int i = 0; i < 7; i++) { // 7 of the 10 come back (3 were answered elsewhere, say)
      coalescer.add(i);
    }
    awaitBatches(2);
    assertEquals(7, sent.get(1).size(), "the timer sent what came");
    clock.addAndGet(TimeUnit.SECONDS.toNanos(40)); // a long round: held up to 10 s
    replies.get(1).complete(0);
    for (int i = 0; i < 4; i++) {
      coalescer.add(i);
    }
    assertEquals(2, batches(), "4 of 0.63 x 7, rounded up to 5");
    coalescer.add(4);
    assertEquals(3, batches(), "as many as came back last time, less a margin: out at once");
  }
}
