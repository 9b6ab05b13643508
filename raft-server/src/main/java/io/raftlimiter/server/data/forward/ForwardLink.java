package io.raftlimiter.server.data.forward;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.raftlimiter.api.peer.v1.ForwardRequest;
import io.raftlimiter.api.peer.v1.ForwardResponse;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.GroupOps;
import io.raftlimiter.api.peer.v1.GroupOutcome;
import io.raftlimiter.api.peer.v1.OpFailure;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.server.data.commit.AdmissionBound;
import io.raftlimiter.server.data.commit.Coalescer;
import io.raftlimiter.server.data.commit.DeadlineExpiredException;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.Linger;
import io.raftlimiter.server.data.commit.OverloadedException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The way from this node to one other node for ops of groups that node leads: every op queued
 * while earlier forwards are in flight goes in the next batch, whatever its group, as one
 * {@code Forward} call per group over one long-lived HTTP/2 connection (so that each group's ops
 * are answered when that group has decided them). The other node puts them in its group commit,
 * so a follower's ops share the leader's log entries instead of proposing small entries of their
 * own.
 *
 * <p>Outcomes, op by op: a decision; {@link ForwardRefusedException} when the other node did not
 * lead the op's group (nothing was queued: the caller sends the op another way);
 * {@link GroupUnavailableException} when its group did not decide it or the call itself failed
 * (its tokens may have been taken, so it is never sent again: the caller answers UNAVAILABLE,
 * and a retry under-admits at worst); {@link OverloadedException} when the leader's queue was
 * full and {@link DeadlineExpiredException} when the caller's deadline passed before the op
 * reached the log (nothing taken in either case).
 */
final class ForwardLink {
  private record Pending(int group, BucketOp op, long deadlineNanos,
      CompletableFuture<Decision> result) {}

  /** A call stops growing at 4 MiB of ops, well inside the 16 MiB a node accepts per message. */
  private static final int MAX_CALL_BYTES = 4 << 20;

  private final String target;
  private final ManagedChannel channel;
  private final ForwarderGrpc.ForwarderFutureStub stub;
  private final long timeoutMillis;
  private final AdmissionBound admission;
  private final Coalescer<Pending, Sent> coalescer;

  /**
   * @param pipelineThreshold ops that must wait before a further call goes beside those in
   *     flight: below it, a closed loop of callers sends one call per leader round instead of a
   *     call per straggler, each of which costs both nodes a message and the leader a queue
   *     hand-off
   * @param linger when the next call is held back after a large one ({@link Linger})
   * @param admission what callers may queue on this link before their acquires are shed, as on
   *     the leader's own queue: a follower must not hold what its leader would refuse
   */
  ForwardLink(String target, ManagedChannel channel, long timeoutMillis, int maxOpsPerCall,
      int maxInFlight, int pipelineThreshold, Linger linger, AdmissionBound admission) {
    this.target = target;
    this.channel = channel;
    this.stub = ForwarderGrpc.newFutureStub(channel);
    this.timeoutMillis = timeoutMillis;
    this.admission = admission;
    this.coalescer = new Coalescer<>(maxOpsPerCall, p -> LogEntryCodec.encodedSize(p.op()),
        MAX_CALL_BYTES, maxInFlight, pipelineThreshold, ForwardLink::expired, linger, this::send,
        this::complete);
  }

  ManagedChannel channel() {
    return channel;
  }

  /** The holds of the next call so far. */
  Coalescer.Holds holds() {
    return coalescer.holds();
  }

  /**
   * Forwards nothing more: the ops still queued here, and any queued later, are refused
   * ({@link ForwardRefusedException}: never sent, so the caller may send them another way).
   */
  void close() {
    coalescer.close(new ForwardRefusedException("this node is stopping: not forwarded"));
  }

  /**
   * Forwards {@code ops} of {@code group} together, so that they travel in one call; never throws,
   * every failure completes the futures. Acquires beyond the link's admission bound are shed
   * ({@link OverloadedException}); an op still queued here at its caller's deadline, or the
   * forward timeout after now when the caller set none, is dropped unsent.
   */
  List<CompletableFuture<Decision>> forwardAll(int group, List<BucketOp> ops,
      long deadlineNanos) {
    long timeoutAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    long due = deadlineNanos == GroupCommitter.NO_DEADLINE ? timeoutAt
        : Math.min(deadlineNanos, timeoutAt);
    return admission.admit(coalescer, ops, (i, op, result) -> new Pending(group, op, due, result));
  }

  /** Drops an op whose caller's deadline passed while it waited for a call: never sent. */
  private static boolean expired(Pending pending) {
    return DeadlineExpiredException.failIfPassed(pending.deadlineNanos(), pending.result(),
        "the deadline passed while the op waited to be forwarded: not sent");
  }

  /** The ops of the call that answered last, and its answer. */
  private record Sent(List<Pending> ops, ForwardResponse response) {}

  /** The call that answered last failed: its ops (the others' are answered) and why. */
  private static final class LastCallFailed extends RuntimeException {
    final transient List<Pending> ops;

    LastCallFailed(List<Pending> ops, Throwable cause) {
      super(null, cause, false, false); // a carrier only: no stack trace to fill
      this.ops = ops;
    }
  }

  /**
   * Sends a batch as one call per group, over the same connection: the leader answers a call
   * once all its ops are decided, so ops of a group that decides promptly must not share a call
   * with a slower group's (one without a quorum holds its ops until their deadline). A call
   * answers its ops as it returns, except the one that returns last: the batch is complete then,
   * and the coalescer sends the next batch before that call's ops are answered (their callers'
   * next ops ride in the batch after it either way). With one group, the usual case, that is
   * one call, answered after the next batch left.
   */
  private CompletableFuture<Sent> send(List<Pending> batch) {
    if (channel.getState(true) == ConnectivityState.TRANSIENT_FAILURE) {
      // Not connected (the node is down or restarting): nothing goes out, the ops go another way.
      return CompletableFuture.failedFuture(new ConnectException("no connection to " + target));
    }
    Map<Integer, List<Pending>> groups = new LinkedHashMap<>();
    for (Pending p : batch) {
      groups.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(p);
    }
    CompletableFuture<Sent> answer = new CompletableFuture<>();
    AtomicInteger unanswered = new AtomicInteger(groups.size());
    long now = System.nanoTime();
    for (List<Pending> ops : groups.values()) {
      ListenableFuture<ForwardResponse> call = call(request(ops, now));
      Futures.addCallback(call, new FutureCallback<>() {
            @Override
            public void onSuccess(ForwardResponse response) {
              answered(ops, response, null, unanswered, answer);
            }

            @Override
            public void onFailure(Throwable error) {
              answered(ops, null, error, unanswered, answer);
            }
          }, MoreExecutors.directExecutor());
    }
    return answer;
  }

  /**
   * One call of a batch answered (a response, or the error it failed with): its ops are answered
   * now, unless it is the batch's last, which completes {@code batch} instead (see {@link #send}).
   */
  private void answered(List<Pending> ops, ForwardResponse response, Throwable error,
      AtomicInteger unanswered, CompletableFuture<Sent> batch) {
    if (unanswered.decrementAndGet() > 0) {
      answer(ops, response, error);
    } else if (error == null) {
      batch.complete(new Sent(ops, response));
    } else {
      batch.completeExceptionally(new LastCallFailed(ops, error));
    }
  }

  private void answer(List<Pending> ops, ForwardResponse response, Throwable error) {
    if (error == null) {
      completeCall(ops, response);
    } else {
      failAll(ops, error);
    }
  }

  private static ForwardRequest request(List<Pending> ops, long nowNanos) {
    List<BucketOp> bucketOps = new ArrayList<>(ops.size());
    GroupOps.Builder group = GroupOps.newBuilder().setGroup(ops.get(0).group());
    for (Pending p : ops) {
      bucketOps.add(p.op());
      group.addBudgetMicros(
          Math.max(1, TimeUnit.NANOSECONDS.toMicros(p.deadlineNanos() - nowNanos)));
    }
    return ForwardRequest.newBuilder()
        .addGroups(group.setEntry(UnsafeByteOperations.unsafeWrap(
            LogEntryCodec.encode(0, bucketOps))))
        .build();
  }

  private ListenableFuture<ForwardResponse> call(ForwardRequest request) {
    // The batch is sent from whichever call's handler drained the queue: detached from that
    // call's context, or its end would cancel the forward of everyone else's ops with it.
    Context previous = Context.ROOT.attach();
    try {
      return stub.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).forward(request);
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  /** Answers the ops of the call that returned last (the coalescer's completion). */
  private void complete(List<Pending> batch, Sent sent, Throwable error) {
    if (error instanceof LastCallFailed last) {
      answer(last.ops, null, last.getCause());
    } else if (error != null) {
      failAll(batch, error); // nothing was sent
    } else {
      answer(sent.ops(), sent.response(), null);
    }
  }

  /** Answers a call's ops (one group's) from its response. */
  private void completeCall(List<Pending> ops, ForwardResponse response) {
    if (response.getOutcomesCount() != 1) {
      failAll(ops, new IllegalStateException("forward to " + target + ": one group answered "
          + "with " + response.getOutcomesCount() + " outcomes"));
      return;
    }
    completeGroup(ops, response.getOutcomes(0));
  }

  private void completeGroup(List<Pending> ops, GroupOutcome outcome) {
    if (outcome.getRefused()) {
      ForwardRefusedException refused =
          new ForwardRefusedException(target + " does not lead group " + ops.get(0).group());
      ops.forEach(p -> p.result().completeExceptionally(refused));
      return;
    }
    List<Decision> decisions;
    try {
      decisions = DecisionCodec.decode(outcome.getDecisions().asReadOnlyByteBuffer());
    } catch (RuntimeException e) {
      failAll(ops, e);
      return;
    }
    if (decisions.size() != ops.size()) {
      failAll(ops, new IllegalStateException("forward to " + target + ": " + ops.size()
          + " ops answered with " + decisions.size() + " decisions"));
      return;
    }
    boolean[] failed = new boolean[ops.size()];
    for (OpFailure failure : outcome.getFailuresList()) {
      if (failure.getOp() < ops.size()) {
        failed[failure.getOp()] = true;
        ops.get(failure.getOp()).result().completeExceptionally(switch (failure.getKind()) {
          case OVERLOADED -> new OverloadedException(target + ": " + failure.getMessage(),
              failure.getRetryAfterMillis());
          case EXPIRED -> new DeadlineExpiredException(target + ": " + failure.getMessage());
          default -> new GroupUnavailableException(failure.getMessage(), null);
        });
      }
    }
    for (int i = 0; i < ops.size(); i++) {
      if (!failed[i]) {
        ops.get(i).result().complete(decisions.get(i));
      }
    }
  }

  /**
   * Whether the call certainly never reached the other node: the connection could not be made,
   * or the node does not know the service. Anything else may have been queued there.
   */
  static boolean neverSent(Throwable error) {
    if (Status.fromThrowable(error).getCode() == Status.Code.UNIMPLEMENTED) {
      return true;
    }
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  private void failAll(List<Pending> ops, Throwable error) {
    if (neverSent(error)) {
      ForwardRefusedException refused =
          new ForwardRefusedException(target + " not reached: " + error);
      ops.forEach(p -> p.result().completeExceptionally(refused));
      return;
    }
    Status status = Status.fromThrowable(error);
    String why = status.getCode() == Status.Code.UNKNOWN ? String.valueOf(error)
        : status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    GroupUnavailableException unavailable = new GroupUnavailableException(
        "forwarded to " + target + ", no answer: " + why, error);
    ops.forEach(p -> p.result().completeExceptionally(unavailable));
  }
}
