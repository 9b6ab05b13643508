package io.raftlimiter.server.data.commit;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The bound on what callers may queue in front of one {@link Coalescer}, in ops and in bytes (as
 * the ops are encoded in the log, so that long keys cannot make a queue of many ops take
 * unbounded memory). Callers' acquires beyond it are shed whole, before anything is queued,
 * with {@link OverloadedException}: nothing was taken, so a retry is never charged twice. The
 * node's own ops (EVENTUAL charges, lease grants and returns) are never shed: they are few,
 * bounded by their senders, and keep their modes' promises. An empty queue takes any batch, or
 * a batch larger than the bound would be refused forever.
 *
 * <p>The check and the queuing are one step under a lock, so callers arriving together cannot
 * pass the bound together; the sending that follows happens outside it.
 */
public final class AdmissionBound {
  /** No bound. */
  public static final AdmissionBound NONE = new AdmissionBound(Integer.MAX_VALUE, Long.MAX_VALUE);
  /** The retry hint of a shed op: about a Raft round or two. */
  static final long SHED_RETRY_AFTER_MILLIS = 20;

  /** Makes what a coalescer queues for op {@code index} of a call. */
  @FunctionalInterface
  public interface Queued<T> {
    T of(int index, BucketOp op, CompletableFuture<Decision> result);
  }

  private final int maxQueuedOps;
  private final long maxQueuedBytes;

  public AdmissionBound(int maxQueuedOps, long maxQueuedBytes) {
    if (maxQueuedOps < 1 || maxQueuedBytes < 1) {
      throw new IllegalArgumentException("admission bounds must be >= 1: " + maxQueuedOps
          + " ops, " + maxQueuedBytes + " bytes");
    }
    this.maxQueuedOps = maxQueuedOps;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * Queues {@code ops} on {@code queue}, each as {@code queued} makes it, or sheds the acquires
   * among them when the queue would hold more than the bound with them; then lets the queue
   * send. The futures complete in op order.
   */
  public <T> List<CompletableFuture<Decision>> admit(Coalescer<T, ?> queue, List<BucketOp> ops,
      Queued<T> queued) {
    List<T> admitted = new ArrayList<>(ops.size());
    List<CompletableFuture<Decision>> results = new ArrayList<>(ops.size());
    synchronized (this) {
      boolean shed = sheds(queue, ops);
      for (int i = 0; i < ops.size(); i++) {
        BucketOp op = ops.get(i);
        CompletableFuture<Decision> result = new CompletableFuture<>();
        if (shed && op.kind() == OpKind.ACQUIRE) {
          result.completeExceptionally(new OverloadedException("the queue holds "
              + queue.queued() + " ops, " + queue.queuedBytes() + " bytes (at most "
              + maxQueuedOps + " ops, " + maxQueuedBytes + " bytes): not queued",
              SHED_RETRY_AFTER_MILLIS));
        } else {
          admitted.add(queued.of(i, op, result));
        }
        results.add(result);
      }
      queue.enqueueAll(admitted);
    }
    queue.drainQueued();
    return results;
  }

  private boolean sheds(Coalescer<?, ?> queue, List<BucketOp> ops) {
    if (this == NONE) {
      return false;
    }
    int acquires = 0;
    long acquireBytes = 0;
    for (BucketOp op : ops) {
      if (op.kind() == OpKind.ACQUIRE) {
        acquires++;
        acquireBytes += LogEntryCodec.encodedSize(op);
      }
    }
    int waiting = queue.queued();
    return acquires > 0 && waiting > 0 && ((long) waiting + acquires > maxQueuedOps
        || queue.queuedBytes() + acquireBytes > maxQueuedBytes);
  }
}
