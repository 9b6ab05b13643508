package io.raftlimiter.server.data.commit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;

/**
 * Coalesces items that arrive while earlier batches are in flight into one batch, so that a fixed
 * cost per batch (a Raft round, an RPC) is shared by everything that queued meanwhile. Used for
 * log entries ({@link GroupCommitter}) and for ops forwarded to a group's leader.
 *
 * <pre>
 *   caller threads ──add()──▶ [ queue ] ──drain()──▶ batch of ≤ maxItems ──▶ sender
 *                                 ▲                                          │
 *                                 └────────── completion frees a slot ◀──────┘
 * </pre>
 *
 * <p>When nothing is in flight, an item is sent at once by the calling thread (no hand-off, so an
 * idle system answers in one round). While batches are in flight, items wait in the queue and the
 * next completing batch takes them all along; a further batch is sent beside the ones in flight
 * (up to {@code maxInFlight}) only once at least {@code pipelineThreshold} items wait, or a full
 * batch does ({@code maxItems} or {@code maxBytes}: waiting longer could not make it larger).
 * Without that threshold, the slots freed at the end of a round are grabbed by the first
 * stragglers, one item each, and batches collapse to single items. No dedicated thread: batching
 * grows with load by itself. Optionally ({@link Linger}), after a large batch completes the next
 * one is held for a moment, so that the callers just answered can ride in it instead of making a
 * batch of their own; the only timer is the one that ends such a hold when arrivals do not.
 *
 * @param <T> what is queued
 * @param <R> what the sender answers for a batch
 */
public final class Coalescer<T, R> {
  /** Sends one batch; must not throw (a failure completes the future). */
  @FunctionalInterface
  public interface Sender<T, R> {
    CompletableFuture<R> send(List<T> batch);
  }

  /** Hands a batch's answer (or failure) to its items. */
  @FunctionalInterface
  public interface Completion<T, R> {
    void complete(List<T> batch, R result, Throwable error);
  }

  /**
   * Looks at an item as its turn comes: answers {@code true} (having failed it itself) when it is
   * no longer wanted, a caller that gave up, say, so that it is not sent.
   */
  @FunctionalInterface
  public interface Expiry<T> {
    boolean dropped(T item);

    static <T> Expiry<T> never() {
      return item -> false;
    }
  }

  private final Sender<T, R> sender;
  private final Completion<T, R> completion;
  private final int maxItems;
  private final ToIntFunction<T> sizeOf;
  private final int maxBytes;
  private final int maxInFlight;
  private final int pipelineThreshold;
  private final Expiry<T> expiry;
  private final Linger linger;
  /** Set while the next batch is held back ({@link Linger}), else null. */
  private final AtomicReference<Hold> hold = new AtomicReference<>();
  /** How many answered callers a hold waits for. */
  private final ReturningShare returning = new ReturningShare();
  private final LongAdder holds = new LongAdder();
  private final LongAdder holdsTimedOut = new LongAdder();
  private final LongAdder heldNanos = new LongAdder();
  private final ConcurrentLinkedQueue<T> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  /** The bytes ({@code sizeOf}) of the items queued, for admission bounds. */
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Set by {@link #close}: what everything queued from then on fails with, else null. */
  private volatile Throwable closedWith;
  /** Set while this thread is inside drain(), so a synchronous completion does not recurse. */
  private final ThreadLocal<Boolean> draining = ThreadLocal.withInitial(() -> false);

  /**
   * @param sizeOf the bytes an item adds to a batch; a batch stops growing once it reaches
   *     {@code maxBytes}, so it exceeds that by less than one item
   */
  public Coalescer(int maxItems, ToIntFunction<T> sizeOf, int maxBytes, int maxInFlight,
      int pipelineThreshold, Sender<T, R> sender, Completion<T, R> completion) {
    this(maxItems, sizeOf, maxBytes, maxInFlight, pipelineThreshold, Expiry.never(), sender,
        completion);
  }

  /** @param expiry drops items no longer wanted when their turn comes, before they are sent */
  public Coalescer(int maxItems, ToIntFunction<T> sizeOf, int maxBytes, int maxInFlight,
      int pipelineThreshold, Expiry<T> expiry, Sender<T, R> sender, Completion<T, R> completion) {
    this(maxItems, sizeOf, maxBytes, maxInFlight, pipelineThreshold, expiry, Linger.NONE, sender,
        completion);
  }

  /** @param linger when the next batch is held back after a large one completes */
  public Coalescer(int maxItems, ToIntFunction<T> sizeOf, int maxBytes, int maxInFlight,
      int pipelineThreshold, Expiry<T> expiry, Linger linger, Sender<T, R> sender,
      Completion<T, R> completion) {
    if (maxItems < 1 || maxBytes < 1 || maxInFlight < 1 || pipelineThreshold < 1) {
      throw new IllegalArgumentException(
          "maxItems, maxBytes, maxInFlight and pipelineThreshold must be >= 1");
    }
    this.sender = sender;
    this.completion = completion;
    this.maxItems = maxItems;
    this.sizeOf = sizeOf;
    this.maxBytes = maxBytes;
    this.maxInFlight = maxInFlight;
    this.pipelineThreshold = pipelineThreshold;
    this.expiry = expiry;
    this.linger = linger;
  }

  /**
   * A held batch goes out at {@code untilNanos} or once {@code target} items are queued; it was
   * held from {@code sinceNanos}, after a batch of {@code items}, with {@code waiting} queued.
   */
  private record Hold(long sinceNanos, long untilNanos, int target, int items, int waiting) {}

  /**
   * The holds so far ({@link Linger}): how many there were, how many of them ran out of time
   * before the callers they waited for came back, and their time in all.
   */
  public record Holds(long count, long timedOut, long nanos) {
    public static final Holds NONE = new Holds(0, 0, 0);

    public Holds plus(Holds other) {
      return new Holds(count + other.count, timedOut + other.timedOut, nanos + other.nanos);
    }
  }

  /** Queues {@code item}; it is sent by this thread or by a completing batch. */
  public void add(T item) {
    queuedBytes.addAndGet(sizeOf.applyAsInt(item));
    queue.add(item);
    queued.incrementAndGet();
    drain();
  }

  /**
   * Queues {@code items} together before anything is sent, so that they can share one batch: added
   * one by one, the first would go out alone whenever nothing is in flight, and the rest wait for
   * its round.
   */
  public void addAll(List<T> items) {
    enqueueAll(items);
    drainQueued();
  }

  /**
   * Queues {@code items} together without sending anything yet: for a caller that queues under
   * a lock of its own ({@link AdmissionBound}) and calls {@link #drainQueued} after it.
   */
  public void enqueueAll(List<T> items) {
    if (items.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (T item : items) {
      bytes += sizeOf.applyAsInt(item);
    }
    queuedBytes.addAndGet(bytes);
    queue.addAll(items);
    queued.addAndGet(items.size());
  }

  /** Sends what is queued, as far as the slots in flight allow, on this thread. */
  public void drainQueued() {
    drain();
  }

  /** Items queued this instant, for metrics. */
  public int queued() {
    return queued.get();
  }

  /** The bytes of the items queued this instant. */
  public long queuedBytes() {
    return queuedBytes.get();
  }

  /** Batches in flight this instant, for metrics. */
  public int inFlight() {
    return inFlight.get();
  }

  /** The holds so far, for metrics; the one under way is not counted yet. */
  public Holds holds() {
    return new Holds(holds.sum(), holdsTimedOut.sum(), heldNanos.sum());
  }

  /**
   * Sends nothing more: fails what is queued (a held batch included, whose timer may never run
   * again) and everything queued later with {@code error}, through the completion as for a
   * failed batch. None of it was sent, so nothing of it was taken. Batches in flight complete
   * as their sender answers them.
   */
  public void close(Throwable error) {
    closedWith = error;
    hold.set(null);
    failQueued(error);
  }

  private void failQueued(Throwable error) {
    List<T> unsent = new ArrayList<>();
    T next;
    while ((next = queue.poll()) != null) {
      unsent.add(next);
      queued.decrementAndGet();
      queuedBytes.addAndGet(-sizeOf.applyAsInt(next));
    }
    if (!unsent.isEmpty()) {
      completion.complete(unsent, null, error);
    }
  }

  private void drain() {
    Throwable closed = closedWith;
    if (closed != null) {
      failQueued(closed); // queued after the close: answered at once
      return;
    }
    if (draining.get()) {
      return; // the outer drain() on this thread loops again
    }
    draining.set(true);
    try {
      drainLoop();
    } finally {
      draining.set(false);
    }
  }

  private void drainLoop() {
    while (!queue.isEmpty()) {
      Hold held = hold.get();
      if (held != null) {
        long now = linger.nanoClock().getAsLong();
        int queuedNow = queued.get();
        if (queuedNow < held.target() && now - held.untilNanos() < 0) {
          return; // an arrival reaching the target, or the hold's timer, drains again
        }
        if (hold.compareAndSet(held, null)) {
          ended(held, queuedNow, now);
        }
      }
      int slots = inFlight.get();
      if (slots >= maxInFlight || (slots > 0 && !pipelines())) {
        return; // a completing batch will drain again
      }
      if (!inFlight.compareAndSet(slots, slots + 1)) {
        continue;
      }
      List<T> batch = new ArrayList<>(Math.min(maxItems, 64));
      int bytes = 0;
      long takenBytes = 0;
      int taken = 0;
      T next;
      while (batch.size() < maxItems && bytes < maxBytes && (next = queue.poll()) != null) {
        taken++;
        int size = sizeOf.applyAsInt(next);
        takenBytes += size;
        if (dropped(next)) {
          continue;
        }
        batch.add(next);
        bytes += size;
      }
      queued.addAndGet(-taken);
      queuedBytes.addAndGet(-takenBytes);
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      send(batch);
    }
  }

  private boolean dropped(T item) {
    try {
      return expiry.dropped(item);
    } catch (RuntimeException e) {
      return false; // when in doubt, send it
    }
  }

  private void send(List<T> batch) {
    long sentNanos = linger.nanoClock().getAsLong();
    CompletableFuture<R> answer;
    try {
      answer = sender.send(batch);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((result, error) -> {
      if (inFlight.decrementAndGet() == 0 && error == null) {
        holdNext(batch.size(), linger.nanoClock().getAsLong() - sentNanos);
      }
      drain(); // unless held, the next batch goes out before this one's answers are written
      completion.complete(batch, result, error);
    });
  }

  /** Whether enough waits to send a further batch beside those in flight. */
  private boolean pipelines() {
    int waiting = queued.get();
    return waiting >= pipelineThreshold || waiting >= maxItems || queuedBytes.get() >= maxBytes;
  }

  /** Counts and learns from how {@code held} ended at {@code now}, {@code queuedNow} queued. */
  private void ended(Hold held, int queuedNow, long now) {
    holds.increment();
    heldNanos.add(Math.max(0, now - held.sinceNanos()));
    if (queuedNow >= held.target()) {
      returning.reached();
    } else {
      holdsTimedOut.increment();
      returning.ranOut(queuedNow - held.waiting(), held.items());
    }
  }

  /**
   * Holds the next batch after one of {@code items} whose round took {@code roundNanos}, if the
   * linger says so, until the callers just answered had a moment to come back: as many of them
   * as the holds before found coming back ({@link ReturningShare}), or the hold's time is up.
   */
  private void holdNext(int items, long roundNanos) {
    if (!linger.enabled()) {
      return;
    }
    long holdNanos = linger.holdNanos(items, roundNanos);
    int waiting = queued.get();
    int target = Math.min(maxItems, returning.target(waiting, items));
    if (holdNanos <= 0 || waiting >= target) {
      return;
    }
    long now = linger.nanoClock().getAsLong();
    Hold held = new Hold(now, now + holdNanos, target, items, waiting);
    hold.set(held);
    try {
      linger.timer().schedule(() -> {
        if (hold.compareAndSet(held, null)) {
          ended(held, queued.get(), linger.nanoClock().getAsLong());
          drain();
        }
      }, holdNanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException e) { // the timer is shut down: hold nothing
      hold.compareAndSet(held, null);
    }
  }
}
