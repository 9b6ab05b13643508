package io.raftlimiter.server.data;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Gets an entry of one group into its log by the shortest way: straight into the local server
 * when this node leads the group (no RPC at all), otherwise one hop to the leader; across leader
 * changes under the entry's first ids, so that it is applied at most once ({@link LeaderChase}).
 * The reply comes after the entry is committed and applied.
 *
 * <p>An entry that no server answers within the timeout fails: {@link #expire} is called
 * periodically and fails those past their time. One sweep for all entries rather than a timer
 * per entry ({@code orTimeout}), which would wake a timer thread for every entry.
 */
public final class RaftEntrySubmitter implements GroupCommitter.EntrySubmitter {
  private final RaftGroupId groupId;
  private final LeaderChase chase;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Duration timeout;
  /** Entries not yet answered, by call id, with the time they fail at. */
  private final Map<Long, InFlight> inFlight = new ConcurrentHashMap<>();

  private record InFlight(long deadlineNanos, CompletableFuture<RaftClientReply> decided) {}

  RaftEntrySubmitter(RaftGroupId groupId, LeaderChase chase, Duration timeout) {
    this.groupId = groupId;
    this.chase = chase;
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<List<Decision>> submit(byte[] encodedEntry) {
    long callId = callIds.incrementAndGet();
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setCallId(callId)
        .setServerId(chase.likelyLeader())
        .setGroupId(groupId)
        .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(encodedEntry)))
        .setType(RaftClientRequest.writeRequestType())
        .build();
    long deadlineNanos = System.nanoTime() + timeout.toNanos();
    CompletableFuture<RaftClientReply> decided = chase.submit(request, deadlineNanos);
    inFlight.put(callId, new InFlight(deadlineNanos, decided));
    decided.whenComplete((reply, error) -> inFlight.remove(callId));
    return decided.handle(this::decisions);
  }

  /** Fails the entries still unanswered at {@code nowNanos} past their timeout. */
  public void expire(long nowNanos) {
    for (InFlight entry : inFlight.values()) {
      if (nowNanos - entry.deadlineNanos() >= 0) {
        entry.decided().completeExceptionally(new TimeoutException());
      }
    }
  }

  private List<Decision> decisions(RaftClientReply reply, Throwable error) {
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null
          ? error.getCause() : error;
      String why = cause instanceof TimeoutException
          ? "group " + groupId + " did not commit within " + timeout.toMillis() + " ms"
          : "group " + groupId + " unavailable: " + cause;
      throw new GroupUnavailableException(why, cause);
    }
    if (!reply.isSuccess()) {
      throw new GroupUnavailableException(
          "group " + groupId + " rejected the entry: " + reply.getException(), reply.getException());
    }
    return DecisionCodec.decode(reply.getMessage().getContent().asReadOnlyByteBuffer());
  }
}
