package io.raftlimiter.server.commit;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.entry.LogEntryCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Group commit for one Raft group: coalesces the acquires that arrive while earlier entries are
 * in flight into one log entry, so that the cost of a Raft round (about a millisecond of CPU across
 * the cluster) is shared by hundreds of decisions under load.
 *
 * <pre>
 *   caller threads ──acquire()──▶ [ pending queue ] ──drain()──▶ entry of ≤ maxOps ──▶ Raft
 *                                        ▲                                        │
 *                                        └──────── completion frees a slot ◀──────┘
 * </pre>
 *
 * <p>When nothing is in flight, an acquire is submitted at once by the calling thread (no
 * hand-off, so an idle cluster answers in one Raft round). While entries are in flight, acquires
 * wait in the queue and the next completing entry takes them all along; a further entry is
 * pipelined beside the ones in flight (up to {@code maxInFlight}) only once at least
 * {@code pipelineThreshold} acquires wait. Without that threshold, the slots freed at the end of
 * a round are grabbed by the first stragglers, one op each, and batches collapse to single ops.
 * No dedicated thread, no timer: batching grows with load by itself.
 */
public final class GroupCommitter {
  /** Sends one encoded entry to the group and yields its decisions, in op order. */
  @FunctionalInterface
  public interface EntrySubmitter {
    CompletableFuture<List<Decision>> submit(byte[] encodedEntry);
  }

  private record Pending(AcquireOp op, CompletableFuture<Decision> result) {}

  /** 1 MiB: a quarter of Ratis' 4 MB appender batch, so several entries still fit in one. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;

  private final EntrySubmitter submitter;
  private final int maxOpsPerEntry;
  private final int maxEntryBytes;
  private final int maxInFlight;
  private final int pipelineThreshold;
  private final IntConsumer entrySizeListener;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Set while this thread is inside drain(), so a synchronous completion does not recurse. */
  private final ThreadLocal<Boolean> draining = ThreadLocal.withInitial(() -> false);

  /**
   * @param entrySizeListener told the number of ops of every entry submitted (for metrics)
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxInFlight,
      int pipelineThreshold, IntConsumer entrySizeListener) {
    this(submitter, maxOpsPerEntry, DEFAULT_MAX_ENTRY_BYTES, maxInFlight, pipelineThreshold,
        entrySizeListener);
  }

  /**
   * @param maxEntryBytes an entry stops growing once it reaches this encoded size, so that long
   *     keys cannot make entries larger than Ratis' appender and log buffers
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxEntryBytes,
      int maxInFlight, int pipelineThreshold, IntConsumer entrySizeListener) {
    if (maxOpsPerEntry < 1 || maxEntryBytes < 1 || maxInFlight < 1 || pipelineThreshold < 1) {
      throw new IllegalArgumentException(
          "maxOpsPerEntry, maxEntryBytes, maxInFlight and pipelineThreshold must be >= 1");
    }
    this.submitter = submitter;
    this.maxOpsPerEntry = maxOpsPerEntry;
    this.maxEntryBytes = maxEntryBytes;
    this.maxInFlight = maxInFlight;
    this.pipelineThreshold = pipelineThreshold;
    this.entrySizeListener = entrySizeListener;
  }

  /** Queues {@code op}; the future completes once its entry is committed and applied. */
  public CompletableFuture<Decision> acquire(AcquireOp op) {
    CompletableFuture<Decision> result = new CompletableFuture<>();
    queue.add(new Pending(op, result));
    queued.incrementAndGet();
    drain();
    return result;
  }

  /** Acquires queued this instant, for metrics. */
  public int queued() {
    return queued.get();
  }

  private void drain() {
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
      int slots = inFlight.get();
      if (slots >= maxInFlight || (slots > 0 && queued.get() < pipelineThreshold)) {
        return; // a completing entry will drain again
      }
      if (!inFlight.compareAndSet(slots, slots + 1)) {
        continue;
      }
      List<Pending> batch = new ArrayList<>(Math.min(maxOpsPerEntry, 64));
      int bytes = LogEntryCodec.HEADER_BYTES;
      Pending next;
      // Stops once the cap is reached, so an entry exceeds it by less than one op (≤ 538 bytes).
      while (batch.size() < maxOpsPerEntry && bytes < maxEntryBytes
          && (next = queue.poll()) != null) {
        batch.add(next);
        bytes += LogEntryCodec.encodedSize(next.op());
      }
      queued.addAndGet(-batch.size());
      if (batch.isEmpty()) {
        inFlight.decrementAndGet();
        continue;
      }
      submit(batch);
    }
  }

  private void submit(List<Pending> batch) {
    CompletableFuture<List<Decision>> decisions;
    try {
      List<AcquireOp> ops = new ArrayList<>(batch.size());
      for (Pending p : batch) {
        ops.add(p.op());
      }
      entrySizeListener.accept(ops.size());
      decisions = submitter.submit(LogEntryCodec.encode(0, ops));
    } catch (RuntimeException e) {
      decisions = CompletableFuture.failedFuture(e);
    }
    decisions.whenComplete((result, error) -> {
      inFlight.decrementAndGet();
      drain(); // the next entry goes out before this one's answers are written
      complete(batch, result, error);
    });
  }

  private static void complete(List<Pending> batch, List<Decision> decisions, Throwable error) {
    if (error == null && decisions.size() != batch.size()) {
      error = new IllegalStateException(
          "entry of " + batch.size() + " ops answered with " + decisions.size() + " decisions");
    }
    for (int i = 0; i < batch.size(); i++) {
      if (error != null) {
        batch.get(i).result().completeExceptionally(error);
      } else {
        batch.get(i).result().complete(decisions.get(i));
      }
    }
  }
}
