package io.raftlimiter.server.commit;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.AcquireOp;
import io.raftlimiter.entry.LogEntryCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

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

  private record Pending(AcquireOp op, CompletableFuture<Decision> result) {}

  /** 1 MiB: a quarter of Ratis' 4 MB appender batch, so several entries still fit in one. */
  public static final int DEFAULT_MAX_ENTRY_BYTES = 1 << 20;

  private final Coalescer<Pending, List<Decision>> coalescer;

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
    this.coalescer = new Coalescer<>(maxOpsPerEntry, p -> LogEntryCodec.encodedSize(p.op()),
        Math.max(1, maxEntryBytes - LogEntryCodec.HEADER_BYTES), maxInFlight, pipelineThreshold,
        batch -> {
          List<AcquireOp> ops = new ArrayList<>(batch.size());
          for (Pending p : batch) {
            ops.add(p.op());
          }
          entrySizeListener.accept(ops.size());
          return submitter.submit(LogEntryCodec.encode(0, ops));
        },
        GroupCommitter::complete);
  }

  /** Queues {@code op}; the future completes once its entry is committed and applied. */
  public CompletableFuture<Decision> acquire(AcquireOp op) {
    CompletableFuture<Decision> result = new CompletableFuture<>();
    coalescer.add(new Pending(op, result));
    return result;
  }

  /**
   * Queues {@code ops} together (see {@link Coalescer#addAll}); the futures complete in op order
   * as their entries are applied.
   */
  public List<CompletableFuture<Decision>> acquireAll(List<AcquireOp> ops) {
    List<Pending> pending = new ArrayList<>(ops.size());
    List<CompletableFuture<Decision>> results = new ArrayList<>(ops.size());
    for (AcquireOp op : ops) {
      CompletableFuture<Decision> result = new CompletableFuture<>();
      pending.add(new Pending(op, result));
      results.add(result);
    }
    coalescer.addAll(pending);
    return results;
  }

  /** Acquires queued this instant, for metrics. */
  public int queued() {
    return coalescer.queued();
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
