package io.raftlimiter.server.data.forward;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.peer.v1.ForwardRequest;
import io.raftlimiter.api.peer.v1.ForwardResponse;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.GroupOps;
import io.raftlimiter.api.peer.v1.GroupOutcome;
import io.raftlimiter.api.peer.v1.OpFailure;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.MalformedEntryException;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.runtime.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving end of {@link ForwardLink}: ops other nodes took for groups this node leads join
 * this node's group commit. A group this node does not lead (any more) is refused whole before
 * anything is queued, so the sender may route its ops elsewhere. Runs on the transport's threads;
 * nothing here blocks and nothing thrown escapes.
 */
public final class ForwardService extends ForwarderGrpc.ForwarderImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardService.class);

  /** The groups as the receiving node sees them. */
  public interface Groups {
    int count();

    boolean leads(int group);

    /**
     * Queues {@code ops} together with this node's committer of {@code group}, each until its
     * deadline ({@link System#nanoTime()}); never throws.
     */
    List<CompletableFuture<Decision>> commitAll(int group, List<BucketOp> ops,
        IntToLongFunction deadlinesNanos);
  }

  private final Groups groups;

  public ForwardService(Groups groups) {
    this.groups = groups;
  }

  @Override
  public void forward(ForwardRequest request, StreamObserver<ForwardResponse> observer) {
    try {
      List<CompletableFuture<GroupOutcome>> outcomes = new ArrayList<>(request.getGroupsCount());
      List<LogEntry> entries = new ArrayList<>(request.getGroupsCount());
      for (GroupOps ops : request.getGroupsList()) {
        if (ops.getGroup() >= groups.count()) {
          throw new IllegalArgumentException("no group " + ops.getGroup() + " (there are "
              + groups.count() + "): the nodes disagree on cluster.groups");
        }
        LogEntry entry = LogEntryCodec.decode(ops.getEntry().asReadOnlyByteBuffer());
        if (entry.isChargeBatch()) {
          // queued op by op, its charges would lose the id that makes the batch apply once
          throw new IllegalArgumentException("a charge batch is proposed as an entry of its own, "
              + "not forwarded");
        }
        entries.add(entry);
      }
      long arrivedNanos = System.nanoTime();
      for (int i = 0; i < entries.size(); i++) {
        GroupOps ops = request.getGroups(i);
        IntToLongFunction deadlines = op -> op < ops.getBudgetMicrosCount()
            && ops.getBudgetMicros(op) > 0
            ? arrivedNanos + TimeUnit.MICROSECONDS.toNanos(ops.getBudgetMicros(op))
            : GroupCommitter.NO_DEADLINE;
        outcomes.add(decide(ops.getGroup(), entries.get(i).ops(), deadlines));
      }
      CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        ForwardResponse.Builder response = ForwardResponse.newBuilder();
        outcomes.forEach(outcome -> response.addOutcomes(outcome.join()));
        Replies.succeed(observer, response.build());
      });
    } catch (MalformedEntryException | IllegalArgumentException e) {
      Replies.fail(observer, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    } catch (RuntimeException e) {
      LOG.error("forward failed unexpectedly", e);
      Replies.fail(observer, Status.INTERNAL.withDescription("internal error: " + e));
    }
  }

  /** Never completes exceptionally: failures become part of the outcome. */
  private CompletableFuture<GroupOutcome> decide(int group, List<BucketOp> ops,
      IntToLongFunction deadlines) {
    if (!groups.leads(group)) {
      return CompletableFuture.completedFuture(GroupOutcome.newBuilder().setRefused(true).build());
    }
    // Together, so that they share an entry: one by one, the first would go alone whenever the
    // committer is idle.
    List<CompletableFuture<Decision>> decided = groups.commitAll(group, ops, deadlines);
    return CompletableFuture.allOf(decided.toArray(CompletableFuture[]::new))
        .handle((v, e) -> outcome(decided));
  }

  private static GroupOutcome outcome(List<CompletableFuture<Decision>> decided) {
    GroupOutcome.Builder outcome = GroupOutcome.newBuilder();
    List<Decision> decisions = new ArrayList<>(decided.size());
    for (int i = 0; i < decided.size(); i++) {
      try {
        decisions.add(decided.get(i).join());
      } catch (CompletionException | CancellationException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        decisions.add(new Decision(false, 0, 0, 0)); // a placeholder, never read as allowed
        OpFailure.Builder failure = OpFailure.newBuilder().setOp(i)
            .setMessage(String.valueOf(cause.getMessage()));
        if (cause instanceof OverloadedException overloaded) {
          failure.setKind(OpFailure.Kind.OVERLOADED)
              .setRetryAfterMillis(overloaded.retryAfterMillis());
        } else if (cause instanceof DeadlineExpiredException) {
          failure.setKind(OpFailure.Kind.EXPIRED);
        }
        outcome.addFailures(failure);
      }
    }
    return outcome.setDecisions(UnsafeByteOperations.unsafeWrap(DecisionCodec.encode(decisions)))
        .build();
  }
}
