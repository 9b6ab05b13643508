package io.raftlimiter.server;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.server.commit.GroupCommitter;
import io.raftlimiter.server.commit.GroupUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * Gets an entry into a group's log by the shortest way: straight into the local server when this
 * node leads the group (no RPC at all), otherwise through a Raft client to the leader, one hop,
 * with Ratis finding the leader and retrying on {@code NotLeader}. Either way the reply comes after
 * the entry is committed and applied.
 */
final class RaftEntrySubmitter implements GroupCommitter.EntrySubmitter, AutoCloseable {
  private final RaftServer server;
  private final RaftGroupId groupId;
  private final Supplier<RaftClient> newClient;
  private final AtomicReference<RaftClient> client;
  private final BooleanSupplier leadsHere;
  private final ClientId localClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Duration timeout;

  /**
   * @param leadsHere whether this node leads the group now (checked once per entry)
   * @param newClient makes the Raft client that reaches the group's leader
   */
  RaftEntrySubmitter(RaftServer server, RaftGroupId groupId, BooleanSupplier leadsHere,
      Supplier<RaftClient> newClient, Duration timeout) {
    this.server = server;
    this.leadsHere = leadsHere;
    this.groupId = groupId;
    this.newClient = newClient;
    this.client = new AtomicReference<>(newClient.get());
    this.timeout = timeout;
  }

  @Override
  public CompletableFuture<List<Decision>> submit(byte[] encodedEntry) {
    Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(encodedEntry));
    CompletableFuture<RaftClientReply> reply = leadsHere.getAsBoolean()
        ? submitLocally(message).thenCompose(r -> redirected(r) ? sendToLeader(message)
            : CompletableFuture.completedFuture(r))
        : sendToLeader(message);
    return reply
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

  private CompletableFuture<RaftClientReply> submitLocally(Message message) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(localClientId)
        .setServerId(server.getId())
        .setGroupId(groupId)
        .setCallId(callIds.incrementAndGet())
        .setMessage(message)
        .setType(RaftClientRequest.writeRequestType())
        .build();
    try {
      return server.submitClientRequestAsync(request);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Leadership moved (or is being handed over) between the check and the submission: nothing was
   * appended, so the Raft client may send it again to whoever leads.
   */
  private static boolean redirected(RaftClientReply reply) {
    return !reply.isSuccess()
        && (reply.getNotLeaderException() != null
            || reply.getException() instanceof LeaderNotReadyException
            || reply.getException() instanceof LeaderSteppingDownException
            || reply.getException() instanceof NotLeaderException);
  }

  private CompletableFuture<RaftClientReply> sendToLeader(Message message) {
    RaftClient current = client.get();
    try {
      return current.async().send(message);
    } catch (IllegalStateException e) {
      // Ratis' ordered async client can lose track of its sliding window across failovers (seen
      // in tests: "nextSeqNum=20 but SlidingWindow..."), and then refuses every send. A fresh
      // client starts a new window. The entry is sent once more: had the first try been
      // committed after all, its tokens are taken twice — under-admission, never over.
      RaftClient fresh = replace(current);
      try {
        return fresh.async().send(message);
      } catch (RuntimeException again) {
        return CompletableFuture.failedFuture(again);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RaftClient replace(RaftClient broken) {
    RaftClient fresh = newClient.get();
    if (!client.compareAndSet(broken, fresh)) {
      closeQuietly(fresh); // another thread replaced it first
      return client.get();
    }
    closeQuietly(broken);
    return fresh;
  }

  private static void closeQuietly(RaftClient raftClient) {
    try {
      raftClient.close();
    } catch (IOException | RuntimeException e) {
      // it was broken or idle; nothing to save
    }
  }

  @Override
  public void close() {
    closeQuietly(client.get());
  }
}
