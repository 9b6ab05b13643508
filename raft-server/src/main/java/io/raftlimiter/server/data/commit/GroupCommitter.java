package io.raftlimiter.server.data.commit;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.function.IntToLongFunction;

/**
 * Group commit for one Raft group: coalesces the ops that arrive while earlier entries are in
 * flight into one log entry ({@link Coalescer}), so that the cost of a Raft round (about a
 * millisecond of CPU across the cluster) is shared by hundreds of decisions under load. On the
 * group's leader this takes the node's own ops and those its followers forward to it; elsewhere
 * it is the fallback when no leader is known.
 */
public final class GroupCommitter {
  /** Sends one encoded entry to the group and yields its decisions, in op order. */
  @FunctionalInterface
  public interface EntrySubmitter {
    CompletableFuture<List<Decision>> submit(byte[] encodedEntry);
  }

  private record Pending(BucketOp op, long deadlineNanos, CompletableFuture<Decision> result) {}

  /** No deadline of the caller's: only the request timeout counts. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  /** 1 MiB: a quarter of Ratis' 4 MB appender batch, so several entries still fit in one. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;

  private final Coalescer<Pending, List<Decision>> coalescer;
  private final AdmissionBound admission;
  private final long requestTimeoutNanos;

  /**
   * @param entrySizeListener told the number of ops of every entry submitted (for metrics)
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxInFlight,
      int pipelineThreshold, IntConsumer entrySizeListener) {
    this(submitter, maxOpsPerEntry, DEFAULT_MAX_ENTRY_BYTES, maxInFlight, pipelineThreshold,
        entrySizeListener);
  }

  /** Without a queue bound or request timeout; see the full constructor. */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxEntryBytes,
      int maxInFlight, int pipelineThreshold, IntConsumer entrySizeListener) {
    this(submitter, maxOpsPerEntry, maxEntryBytes, maxInFlight, pipelineThreshold,
        Integer.MAX_VALUE, NO_DEADLINE, entrySizeListener);
  }

  /**
   * @param maxEntryBytes an entry stops growing once it reaches this encoded size, so that long
   *     keys cannot make entries larger than Ratis' appender and log buffers
   * @param maxQueuedAcquires callers' acquires that may wait; beyond, an acquire is shed at once
   *     ({@link AdmissionBound})
   * @param requestTimeoutNanos an op still queued this long after it arrived is dropped before
   *     it reaches the log ({@link DeadlineExpiredException}), as is one past its caller's deadline
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxEntryBytes,
      int maxInFlight, int pipelineThreshold, int maxQueuedAcquires, long requestTimeoutNanos,
      IntConsumer entrySizeListener) {
    this(submitter, maxOpsPerEntry, maxEntryBytes, maxInFlight, pipelineThreshold,
        maxQueuedAcquires, Long.MAX_VALUE, requestTimeoutNanos, entrySizeListener);
  }

  /**
   * @param maxQueuedBytes the same bound in bytes (as the ops are encoded in the log), so that
   *     long keys cannot make a queue of {@code maxQueuedAcquires} ops take unbounded memory; the
   *     other parameters as in the constructor above
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxEntryBytes,
      int maxInFlight, int pipelineThreshold, int maxQueuedAcquires, long maxQueuedBytes,
      long requestTimeoutNanos, IntConsumer entrySizeListener) {
    this(submitter, maxOpsPerEntry, maxEntryBytes, maxInFlight, pipelineThreshold,
        maxQueuedAcquires, maxQueuedBytes, requestTimeoutNanos, Linger.NONE, entrySizeListener);
  }

  /**
   * @param linger when the next entry is held back after a large one, so that the callers it
   *     answered can ride in it ({@link Linger}); the other parameters as above
   */
  public GroupCommitter(EntrySubmitter submitter, int maxOpsPerEntry, int maxEntryBytes,
      int maxInFlight, int pipelineThreshold, int maxQueuedAcquires, long maxQueuedBytes,
      long requestTimeoutNanos, Linger linger, IntConsumer entrySizeListener) {
    this.admission = maxQueuedAcquires == Integer.MAX_VALUE && maxQueuedBytes == Long.MAX_VALUE
        ? AdmissionBound.NONE : new AdmissionBound(maxQueuedAcquires, maxQueuedBytes);
    this.requestTimeoutNanos = requestTimeoutNanos;
    this.coalescer = new Coalescer<>(maxOpsPerEntry, p -> LogEntryCodec.encodedSize(p.op()),
        Math.max(1, maxEntryBytes - LogEntryCodec.HEADER_BYTES), maxInFlight, pipelineThreshold,
        GroupCommitter::expired, linger,
        batch -> {
          List<BucketOp> ops = new ArrayList<>(batch.size());
          for (Pending p : batch) {
            ops.add(p.op());
          }
          entrySizeListener.accept(ops.size());
          return submitter.submit(LogEntryCodec.encode(0, ops));
        },
        GroupCommitter::complete);
  }

  /** Queues {@code op}; the future completes once its entry is committed and applied. */
  public CompletableFuture<Decision> submit(BucketOp op) {
    return submitAll(List.of(op), NO_DEADLINE).get(0);
  }

  /** {@link #submitAll(List, long)} without a deadline of the caller's. */
  public List<CompletableFuture<Decision>> submitAll(List<BucketOp> ops) {
    return submitAll(ops, NO_DEADLINE);
  }

  /**
   * Queues {@code ops} together (see {@link Coalescer#addAll}); the futures complete in op order
   * as their entries are applied. When the queue would hold more than the bound with them, the
   * acquires among {@code ops} are shed whole, before anything is queued (an empty queue takes
   * any number). An op still waiting at
   * {@code deadlineNanos} ({@link System#nanoTime()}), or a request timeout after now, is dropped.
   */
  public List<CompletableFuture<Decision>> submitAll(List<BucketOp> ops, long deadlineNanos) {
    return submitAll(ops, i -> deadlineNanos);
  }

  /** {@link #submitAll(List, long)} with a deadline per op: {@code deadlinesNanos.applyAsLong(i)}. */
  public List<CompletableFuture<Decision>> submitAll(List<BucketOp> ops,
      IntToLongFunction deadlinesNanos) {
    long timeoutAt = saturatedAdd(System.nanoTime(), requestTimeoutNanos);
    return admission.admit(coalescer, ops, (i, op, result) ->
        new Pending(op, Math.min(deadlinesNanos.applyAsLong(i), timeoutAt), result));
  }

  private static boolean expired(Pending pending) {
    return DeadlineExpiredException.failIfPassed(pending.deadlineNanos(), pending.result(),
        "the deadline passed while the op waited for its entry: not sent to the log");
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Sends no more entries: the ops still queued, and any queued from now on, fail with
   * {@link GroupUnavailableException} (none of them reached the log, so a caller may retry
   * elsewhere); the entries in flight are answered as the log answers them. A stopping node
   * closes its committers before Raft, so that no caller waits on a batch held for a timer that
   * no longer runs.
   */
  public void close() {
    coalescer.close(new GroupUnavailableException(
        "this node is stopping: the op was not sent to the log", null));
  }

  /** Acquires queued this instant, for metrics. */
  public int queued() {
    return coalescer.queued();
  }

  /** The holds of the next entry so far, for metrics. */
  public Coalescer.Holds holds() {
    return coalescer.holds();
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
