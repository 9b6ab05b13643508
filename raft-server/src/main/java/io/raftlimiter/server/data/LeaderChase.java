package io.raftlimiter.server.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.GroupMismatchException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.ResourceUnavailableException;
import org.apache.ratis.protocol.exceptions.ServerNotReadyException;
import org.apache.ratis.server.RaftServer;

/**
 * Gets one entry into a group's log through whichever server leads the group, following
 * {@code NotLeader} hints and waiting out elections and leadership transfers, until a deadline.
 *
 * <p>Every attempt carries the entry's <em>first</em> client and call id. An entry a leader had
 * appended before losing the leadership may still be committed by the next leader; resent under
 * new ids it would be applied twice and its tokens taken twice. Ratis keeps a retry cache of the
 * (client id, call id) of every applied entry, and a new leader accepts writes only once it has
 * applied its whole log, so a resent entry is answered from that cache when it was committed and
 * appended when it was not: exactly once either way.
 *
 * <p>A server in this process is reached by a direct call, any other by {@link RaftRequestRpc}.
 */
public final class LeaderChase {
  static final long FIRST_BACKOFF_MILLIS = 5;
  static final long MAX_BACKOFF_MILLIS = 200;
  /**
   * The longest wait before asking again a server that leads or is handing over but is not ready:
   * it becomes ready within one commit round, so a longer wait only delays the entry (a new
   * leader found not ready 4 ms before it was cost 160 ms more at the backoff's pace).
   */
  static final long SETTLING_MAX_MILLIS = 20;

  private final RaftServer server;
  private volatile RaftGroup group;
  private volatile boolean hostedHere;
  private final RaftRequestRpc rpc;
  private final Executor resends;
  private final BooleanSupplier stopping;
  private volatile List<RaftPeerId> peers;
  private volatile RaftPeerId lastLeader;
  /** Servers that refusals named, with their addresses: the group may have moved since. */
  private final Map<RaftPeerId, RaftPeer> learned = new ConcurrentHashMap<>();

  /**
   * @param resends runs the attempts that follow a refusal (never the first)
   * @param stopping whether this node is shutting down: then no further attempt is made
   */
  public LeaderChase(RaftServer server, RaftGroup group, RaftRequestRpc rpc, Executor resends,
      BooleanSupplier stopping) {
    this.server = server;
    this.group = group;
    this.hostedHere = group.getPeer(server.getId()) != null;
    this.rpc = rpc;
    this.resends = resends;
    this.stopping = stopping;
    this.peers = peerIds(group);
  }

  /** The group's replicas changed: attempts from now on go to the new ones. */
  public void place(RaftGroup moved) {
    this.peers = peerIds(moved);
    this.hostedHere = moved.getPeer(server.getId()) != null;
    this.group = moved;
  }

  private static List<RaftPeerId> peerIds(RaftGroup group) {
    List<RaftPeerId> ids = new ArrayList<>();
    group.getPeers().forEach(peer -> ids.add(peer.getId()));
    return List.copyOf(ids);
  }

  /**
   * The server that most likely leads the group: this server's own view when it holds a replica,
   * else the last leader seen, else the group's preferred leader.
   */
  public RaftPeerId likelyLeader() {
    if (hostedHere) {
      try {
        RaftPeerId leader = server.getDivision(group.getGroupId()).getInfo().getLeaderId();
        if (leader != null) {
          return leader;
        }
      } catch (IOException e) {
        // still joining the group: fall back to what was seen
      }
    }
    RaftPeerId seen = lastLeader;
    return seen != null ? seen : peers.get(0);
  }

  /**
   * Sends {@code request} to the server it is addressed to (callers pick {@link #likelyLeader()}),
   * then wherever the refusals point, until a server decides it. Completes with the deciding
   * server's reply (which may carry a state machine failure), or exceptionally with a
   * {@link TimeoutException} once {@code deadlineNanos} passes.
   */
  public CompletableFuture<RaftClientReply> submit(RaftClientRequest request, long deadlineNanos) {
    CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
    attempt(request, request.getServerId(), FIRST_BACKOFF_MILLIS, deadlineNanos, result);
    return result;
  }

  private void attempt(RaftClientRequest request, RaftPeerId target, long backoffMillis,
      long deadlineNanos, CompletableFuture<RaftClientReply> result) {
    if (result.isDone()) {
      return; // the caller gave up
    }
    if (stopping.getAsBoolean()) {
      result.completeExceptionally(new IOException("node shutting down"));
      return;
    }
    if (System.nanoTime() >= deadlineNanos) {
      result.completeExceptionally(
          new TimeoutException("no leader of " + group.getGroupId() + " decided the entry in time"));
      return;
    }
    sendTo(request, target).whenComplete((reply, error) -> {
      if (error != null) { // unreachable or silent: try the next server
        Backoff backoff = Backoff.after(null, backoffMillis);
        retryLater(request, next(target), backoff.waitMillis(), backoff.nextMillis(),
            deadlineNanos, result);
        return;
      }
      RaftException refusal = reply.getException();
      if (reply.isSuccess() || !isRetriable(refusal)) {
        if (reply.isSuccess()) {
          lastLeader = target;
        }
        result.complete(reply);
        return;
      }
      RaftPeerId suggested = suggestedLeader(reply);
      RaftPeerId nextTarget;
      if (suggested != null && !suggested.equals(target)) {
        lastLeader = suggested;
        nextTarget = suggested;
      } else if (refusal instanceof NotLeaderException || refusal instanceof GroupMismatchException) {
        nextTarget = next(target);
      } else {
        nextTarget = target; // a leader getting ready or handing over: ask it again
      }
      Backoff backoff = Backoff.after(refusal, backoffMillis);
      retryLater(request, nextTarget, backoff.waitMillis(), backoff.nextMillis(), deadlineNanos,
          result);
    });
  }

  /**
   * How long to wait before the next attempt, and the backoff after it. Pure.
   *
   * @param waitMillis before the next attempt
   * @param nextMillis the backoff the attempt after it starts from
   */
  record Backoff(long waitMillis, long nextMillis) {
    /**
     * After {@code refusal} at backoff {@code backoffMillis}: at most
     * {@link #SETTLING_MAX_MILLIS} when the server leads or led an instant ago and settles within
     * a commit round (not ready yet, stepping down), or knows no leader (an election under way:
     * the next leader is asked within 20 ms of taking office, instead of up to 160 ms later at
     * the doubled pace); else doubling up to {@link #MAX_BACKOFF_MILLIS} (a server gone or
     * silent, another server named: servers with stale views can name each other, and asking at
     * once would bounce between them as fast as the network allows until the election ends).
     */
    static Backoff after(RaftException refusal, long backoffMillis) {
      if (refusal instanceof LeaderNotReadyException
          || refusal instanceof LeaderSteppingDownException
          || refusal instanceof NotLeaderException notLeader
              && notLeader.getSuggestedLeader() == null) {
        long wait = Math.min(backoffMillis, SETTLING_MAX_MILLIS);
        return new Backoff(wait, Math.min(SETTLING_MAX_MILLIS, wait * 2));
      }
      return new Backoff(backoffMillis, Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2));
    }
  }

  private void retryLater(RaftClientRequest request, RaftPeerId target, long waitMillis,
      long nextBackoffMillis, long deadlineNanos, CompletableFuture<RaftClientReply> result) {
    long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
    Executor later = CompletableFuture.delayedExecutor(
        Math.max(0, Math.min(waitMillis, leftMillis)), TimeUnit.MILLISECONDS, task -> {
          try {
            resends.execute(task);
          } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IOException("node shutting down", e));
          }
        });
    later.execute(() -> attempt(request, target, nextBackoffMillis, deadlineNanos, result));
  }

  private CompletableFuture<RaftClientReply> sendTo(RaftClientRequest request, RaftPeerId target) {
    RaftClientRequest addressed = target.equals(request.getServerId()) ? request
        : RaftClientRequest.newBuilder()
        .setClientId(request.getClientId())
        .setCallId(request.getCallId())
        .setServerId(target)
        .setGroupId(group.getGroupId())
        .setMessage(request.getMessage())
        .setType(request.getType())
        .build();
    if (hostedHere && target.equals(server.getId())) {
      try {
        return submitHere(addressed);
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    RaftPeer peer = group.getPeer(target);
    if (peer == null) {
      peer = learned.get(target); // named by a refusal: the group moved before this node learned
    }
    if (peer == null) {
      return CompletableFuture.failedFuture(new IOException(target + " is not in " + group));
    }
    return rpc.send(addressed, peer);
  }

  /**
   * Submits to this server's replica of the group. Straight to the division, not through
   * {@link RaftServer#submitClientRequestAsync}: Ratis' server proxy hands every request to a
   * pool of the division's and blocks the calling thread until that pool has queued it, two
   * thread wake-ups and a blocked event loop or apply thread per entry. The division does the
   * same work on the calling thread. Ratis' division implements the client protocol
   * ({@code RaftServerImpl}); {@code LeaderChaseTest} pins that, and should a version stop doing
   * so this falls back to the proxy.
   */
  private CompletableFuture<RaftClientReply> submitHere(RaftClientRequest request)
      throws IOException {
    RaftServer.Division division = server.getDivision(request.getRaftGroupId());
    if (division instanceof RaftClientAsynchronousProtocol direct) {
      return direct.submitClientRequestAsync(request);
    }
    return server.submitClientRequestAsync(request);
  }

  private static boolean isRetriable(RaftException refusal) {
    return refusal instanceof NotLeaderException
        || refusal instanceof LeaderNotReadyException
        || refusal instanceof LeaderSteppingDownException
        || refusal instanceof GroupMismatchException // the replica is still joining
        || refusal instanceof ServerNotReadyException
        || refusal instanceof ResourceUnavailableException;
  }

  private RaftPeerId suggestedLeader(RaftClientReply reply) {
    NotLeaderException notLeader = reply.getNotLeaderException();
    RaftPeer suggested = notLeader == null ? null : notLeader.getSuggestedLeader();
    if (suggested == null) {
      return null;
    }
    if (suggested.getAddress() != null && group.getPeer(suggested.getId()) == null) {
      learned.put(suggested.getId(), suggested);
    }
    return suggested.getId();
  }

  private RaftPeerId next(RaftPeerId after) {
    List<RaftPeerId> current = peers;
    return current.get((current.indexOf(after) + 1) % current.size());
  }
}
