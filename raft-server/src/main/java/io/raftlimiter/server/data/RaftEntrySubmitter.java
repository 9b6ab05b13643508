package io.raftlimiter.server.data;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
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
 */
public final class RaftEntrySubmitter implements GroupCommitter.EntrySubmitter {
  private final RaftGroupId groupId;
  private final LeaderChase chase;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Duration timeout;

  RaftEntrySubmitter(RaftGroupId groupId, LeaderChase chase, Duration timeout) {
    this.groupId = groupId;
    this.chase = chase;
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<List<Decision>> submit(byte[] encodedEntry) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setCallId(callIds.incrementAndGet())
        .setServerId(chase.likelyLeader())
        .setGroupId(groupId)
        .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(encodedEntry)))
        .setType(RaftClientRequest.writeRequestType())
        .build();
    return chase.decide(request, System.nanoTime() + timeout.toNanos())
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(this::decisions);
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
