package io.raftlimiter.server.data;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.data.commit.AdmissionBound;
import io.raftlimiter.server.data.commit.Coalescer;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.Linger;
import io.raftlimiter.server.data.forward.ForwardRefusedException;
import io.raftlimiter.server.data.forward.ForwardService;
import io.raftlimiter.server.data.forward.Forwarder;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data groups of the cluster as one node sees them: every group's placement, a Raft client
 * and a committer per group (also for groups this node does not host, which it reaches in one
 * hop), and the key → group routing.
 *
 * <p>An op for a group this node leads joins this node's group commit. An op for a group led
 * elsewhere is forwarded to the leader's node ({@link Forwarder}) and joins <em>its</em> group
 * commit, so that every node's ops share the leader's entries: proposing entries of its own, a
 * follower would make a Raft round of every few ops. Only while no leader is known (an election),
 * or when the node asked does not lead the group, does the op go into an entry of this node's
 * own, which chases the leader through the election ({@link LeaderChase}).
 *
 * <p>Group {@code i} is named {@code raftlimiter/data/i} and replicated on the nodes the
 * {@link io.raftlimiter.routing.PlacementRing} gives it, so every node derives the same layout
 * from the same member list. A node joins the groups it is placed in when it starts; groups it
 * hosted before are recovered by Ratis from their storage directories.
 */
public final class DataGroups implements GroupRouter, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataGroups.class);
  private static final int RESEND_THREADS = 2;

  private final RaftServer server;
  private final KeyToGroup keyToGroup;
  private final NodeConfig config;
  /** Each group's replicas as this node last learned them; replaced whole on a change. */
  private volatile List<RaftGroup> groups;
  private volatile boolean[] hosted;
  private final List<RaftClient> clients = new ArrayList<>();
  private final List<GroupCommitter> committers = new ArrayList<>();
  private final List<LeaderChase> chases = new ArrayList<>();
  private final List<RaftEntrySubmitter> submitters = new ArrayList<>();
  /**
   * Fails entries past their timeout (one sweep for all) and ends the committers' lingers
   * ({@link Linger}): the only timer on the entry path.
   */
  private final ScheduledExecutorService entryTimer;
  private final RaftRequestRpc rpc;
  /** Runs the attempts that follow a refused or lost one; idle while leaders stay put. */
  private final ThreadPoolExecutor resends;
  private volatile boolean closing;
  private final ClientId managementClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  /** Null when forwarding is off ({@code forward.max-in-flight=0}). */
  private final Forwarder forwarder;
  private final NodeTransport transport;
  /** Every member's client address by node id, as this node last learned them. */
  private volatile Map<String, String> clientAddresses;

  public DataGroups(NodeConfig config, RaftServer server, NodeMetrics metrics,
      NodeTransport transport) {
    this.server = server;
    this.transport = transport;
    this.config = config;
    this.groups = ClusterGroups.dataGroups(config.peers(), config.get(NodeConfigKeys.GROUPS),
        config.get(NodeConfigKeys.REPLICATION));
    this.keyToGroup = new KeyToGroup(groups.size());
    this.hosted = hostedHere(groups);
    Duration timeout = Duration.ofMillis(config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS));
    // One attempt may not take the whole budget: a dead leader must leave time to find the next.
    this.rpc = new RaftRequestRpc(Math.max(100, timeout.toMillis() / 3), transport);
    this.resends = new ThreadPoolExecutor(RESEND_THREADS, RESEND_THREADS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.named(server.getId() + "-resend"));
    resends.allowCoreThreadTimeOut(true);
    this.entryTimer = Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named(server.getId() + "-entry-timer"));
    Linger linger = Linger.of(config.get(NodeConfigKeys.BATCH_LINGER_MIN_OPS),
        config.get(NodeConfigKeys.BATCH_LINGER_MAX_MICROS),
        config.get(NodeConfigKeys.BATCH_LINGER_ROUND_PERCENT), entryTimer);
    // A forwarding call's round holds the leader's own hold and Raft round, so a follower holds
    // its next call for a smaller share of it than the leader holds its next entry: with the
    // leader's share a round-robin client lost throughput (docs/BENCHMARKS.md, the A/B of both).
    Linger forwardLinger = Linger.of(config.get(NodeConfigKeys.BATCH_LINGER_MIN_OPS),
        config.get(NodeConfigKeys.BATCH_LINGER_MAX_MICROS),
        config.get(NodeConfigKeys.FORWARD_LINGER_ROUND_PERCENT), entryTimer);
    int forwardsInFlight = config.get(NodeConfigKeys.FORWARD_MAX_IN_FLIGHT);
    // A little over the leader's own timeout, so that its answer (decided or UNAVAILABLE) is
    // normally the one the caller gets. A further call goes beside the one in flight once a few
    // ops wait (forward.pipeline-threshold, 8), not the group commit's 64: held until the call in
    // flight is answered, the ops that came meanwhile reached the leader after it had cut its
    // next entry, and rode in the one after (docs/BENCHMARKS.md).
    this.forwarder = forwardsInFlight == 0 ? null : new Forwarder(timeout.toMillis() + 500,
        config.get(NodeConfigKeys.BATCH_MAX_OPS), forwardsInFlight,
        config.get(NodeConfigKeys.FORWARD_PIPELINE_THRESHOLD), forwardLinger,
        new AdmissionBound(config.get(NodeConfigKeys.ADMISSION_MAX_QUEUED_OPS),
            config.get(NodeConfigKeys.ADMISSION_MAX_QUEUED_BYTES)),
        transport);
    Map<String, String> addresses = new HashMap<>();
    config.peers().forEach(peer -> addresses.put(peer.id(), peer.clientAddress()));
    this.clientAddresses = Map.copyOf(addresses);
    for (int i = 0; i < groups.size(); i++) {
      RaftGroup group = groups.get(i);
      clients.add(adminClient(group));
      LeaderChase chase = new LeaderChase(server, group, rpc, resends, () -> closing);
      chases.add(chase);
      RaftEntrySubmitter submitter = new RaftEntrySubmitter(group.getGroupId(), chase, timeout);
      submitters.add(submitter);
      committers.add(new GroupCommitter(
          submitter,
          config.get(NodeConfigKeys.BATCH_MAX_OPS),
          GroupCommitter.DEFAULT_MAX_ENTRY_BYTES,
          config.get(NodeConfigKeys.BATCH_MAX_IN_FLIGHT),
          config.get(NodeConfigKeys.BATCH_PIPELINE_THRESHOLD),
          config.get(NodeConfigKeys.ADMISSION_MAX_QUEUED_OPS),
          config.get(NodeConfigKeys.ADMISSION_MAX_QUEUED_BYTES),
          timeout.toNanos(),
          linger,
          metrics::entrySubmitted));
    }
    // A tenth of the timeout: an unanswered entry fails within 110% of it.
    long sweepMillis = Math.max(10, timeout.toMillis() / 10);
    DaemonThreads.every(entryTimer, "entry timeout sweep", sweepMillis, sweepMillis,
        TimeUnit.MILLISECONDS, metrics.taskFailures(),
        () -> {
          long now = System.nanoTime();
          submitters.forEach(submitter -> submitter.expire(now));
        });
    registerHoldMetrics(metrics);
  }

  /**
   * How often the next entry, and the next forwarding call, waited for the callers just answered
   * ({@code batch.linger-*}, {@code forward.linger-round-percent}), how many of those holds ran
   * out of time first, and the time they held in all: what an operator tuning those settings
   * looks at.
   */
  private void registerHoldMetrics(NodeMetrics metrics) {
    registerHoldMetrics(metrics, "entry", "log entry", this::entryHolds);
    if (forwarder != null) {
      registerHoldMetrics(metrics, "forward", "forwarding call", forwarder::holds);
    }
  }

  private static void registerHoldMetrics(NodeMetrics metrics, String prefix, String what,
      Supplier<Coalescer.Holds> holds) {
    metrics.counterOf("raftlimiter_" + prefix + "_holds",
        "times this node held its next " + what + " for the callers just answered",
        () -> holds.get().count());
    metrics.counterOf("raftlimiter_" + prefix + "_holds_timed_out",
        "of those holds, the ones that ran out of time before the callers came back",
        () -> holds.get().timedOut());
    metrics.secondsCounterOf("raftlimiter_" + prefix + "_hold_seconds",
        "the time those holds lasted, in all", () -> holds.get().nanos());
  }

  /** The holds of this node's group commits so far, all groups together. */
  private Coalescer.Holds entryHolds() {
    Coalescer.Holds sum = Coalescer.Holds.NONE;
    for (GroupCommitter committer : committers) {
      sum = sum.plus(committer.holds());
    }
    return sum;
  }

  private RaftClient adminClient(RaftGroup group) {
    return RaftClient.newBuilder() // for admin calls: leadership transfers
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setProperties(RaftTuning.clientProperties(config))
        .setRetryPolicy(RaftTuning.clientRetryPolicy(config))
        .setParameters(transport.ratis())
        .build();
  }

  private boolean[] hostedHere(List<RaftGroup> all) {
    boolean[] result = new boolean[all.size()];
    for (int i = 0; i < all.size(); i++) {
      result[i] = all.get(i).getPeer(server.getId()) != null;
    }
    return result;
  }

  /**
   * Takes the replicas of every group the metadata records (groups it does not record stay where
   * the cluster's shape placed them): routing, leadership checks and admin calls follow.
   */
  public synchronized void place(ClusterMetadata metadata) {
    if (metadata.shape() == null) {
      return;
    }
    Map<String, PeerAddress> members = new HashMap<>();
    metadata.members().forEach((id, spec) -> members.put(id, PeerAddress.parse(spec)));
    Map<String, String> addresses = new HashMap<>(clientAddresses);
    members.forEach((id, peer) -> addresses.put(id, peer.clientAddress()));
    clientAddresses = Map.copyOf(addresses);
    // Groups the metadata has not moved are where the founding members' ring put them (this
    // node's own member list may be longer: it may have joined later, or been restarted since).
    List<List<String>> founding = new PlacementRing(metadata.foundingMemberIds()).placement(
        metadata.shape().groups(),
        Math.min(metadata.shape().replication(), metadata.foundingMemberIds().size()));
    List<RaftGroup> next = new ArrayList<>(groups);
    for (int index = 0; index < next.size() && index < founding.size(); index++) {
      List<String> replicas = metadata.membership().replicas().getOrDefault(index,
          founding.get(index));
      if (!members.keySet().containsAll(replicas)) {
        continue;
      }
      RaftGroup placed = ClusterGroups.dataGroup(index,
          replicas.stream().map(members::get).toList());
      if (!samePeers(placed, next.get(index))) {
        next.set(index, placed);
        chases.get(index).place(placed);
        RaftClient old = clients.set(index, adminClient(placed));
        closeQuietly(old);
        LOG.info("{}: group {} now on {}", server.getId(), index, replicas);
      }
    }
    hosted = hostedHere(next);
    groups = List.copyOf(next);
  }

  private static boolean samePeers(RaftGroup a, RaftGroup b) {
    return List.copyOf(a.getPeers()).equals(List.copyOf(b.getPeers()));
  }

  /**
   * On a founding member's first start, founds the groups whose preferred replica (the first the
   * ring places) is this node, each on this one replica: it elects itself at once, and the
   * controller adds the group's other replicas one move at a time. Founded on all their replicas
   * at once, two of them could elect a leader before the first one's opening entry reached them,
   * and Ratis then lets that replica take its own entry at index 0 for committed and refuse the
   * leader's for good (a heartbeat with no previous entry commits index 0, whatever its term):
   * a replica stuck from the cluster's first second.
   *
   * <p>On a restart Ratis recovers the groups found in storage, and the controller adds or
   * removes replicas from there. A node that joins, or that lost its disk, gets its replicas from
   * the controller too.
   *
   * @param formatFounding whether this is such a first start (the node decides)
   */
  public void joinLocalGroups(boolean formatFounding) throws IOException {
    if (!formatFounding) {
      return;
    }
    String self = server.getId().toString();
    List<List<String>> placement = ClusterGroups.placement(config.peers(), groups.size(),
        config.get(NodeConfigKeys.REPLICATION));
    for (int index = 0; index < placement.size(); index++) {
      if (!placement.get(index).get(0).equals(self)) {
        continue;
      }
      RaftGroup founded = ClusterGroups.dataGroup(index, List.of(config.self()));
      RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(
          managementClientId, server.getId(), callIds.incrementAndGet(), founded));
      if (!reply.isSuccess()) {
        throw new IOException("cannot found group " + index + ": " + reply.getException());
      }
      LOG.debug("{} founded {}", server.getId(), founded);
    }
  }

  @Override
  public int groupOf(byte[] key) {
    return keyToGroup.groupOf(key);
  }

  @Override
  public CompletableFuture<Decision> submit(int group, BucketOp op) {
    return submitAll(group, List.of(op)).get(0);
  }

  @Override
  public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops) {
    return submitAll(group, ops, GroupCommitter.NO_DEADLINE);
  }

  @Override
  public CompletableFuture<List<Decision>> propose(int group, LogEntry entry) {
    try {
      return submitters.get(group).submit(LogEntryCodec.encode(entry));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Acquires waiting in this node's queue for group {@code index}, this instant. */
  public int queued(int index) {
    return committers.get(index).queued();
  }

  /**
   * The client address of the node that leads group {@code index}, as far as this node knows
   * (the startup peer list, then the metadata's members); empty when no leader is known.
   */
  public String leaderClientAddress(int index) {
    RaftPeerId leader = leaderOf(index);
    return leader == null ? "" : clientAddresses.getOrDefault(leader.toString(), "");
  }

  @Override
  public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops,
      long deadlineNanos) {
    GroupCommitter own = committers.get(group);
    if (forwarder == null || leads(group)) {
      return own.submitAll(ops, deadlineNanos);
    }
    RaftPeerId leader = leaderOf(group);
    String address = leader == null || leader.equals(server.getId()) ? null
        : clientAddresses.get(leader.toString());
    if (address == null) {
      // no leader known: an entry of our own waits the election out
      return own.submitAll(ops, deadlineNanos);
    }
    List<CompletableFuture<Decision>> forwarded =
        forwarder.forwardAll(address, group, ops, deadlineNanos);
    List<CompletableFuture<Decision>> results = new ArrayList<>(ops.size());
    for (int i = 0; i < ops.size(); i++) {
      BucketOp op = ops.get(i);
      CompletableFuture<Decision> result = new CompletableFuture<>();
      forwarded.get(i).whenComplete((decision, error) -> {
        if (error == null) {
          result.complete(decision);
        } else if (unwrap(error) instanceof ForwardRefusedException) {
          // Nothing was queued there: the op goes into an entry of our own, which finds the
          // leader.
          own.submitAll(List.of(op), deadlineNanos).get(0).whenComplete((retried, failure) -> {
            if (failure == null) {
              result.complete(retried);
            } else {
              result.completeExceptionally(failure);
            }
          });
        } else {
          result.completeExceptionally(error);
        }
      });
      results.add(result);
    }
    return results;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
  }

  /** The groups as {@link ForwardService} serves them: ops other nodes forward to this one. */
  public ForwardService.Groups forwardTarget() {
    return new ForwardService.Groups() {
      @Override
      public int count() {
        return groups.size();
      }

      @Override
      public boolean leads(int group) {
        return DataGroups.this.leads(group);
      }

      @Override
      public List<CompletableFuture<Decision>> commitAll(int group, List<BucketOp> ops,
          IntToLongFunction deadlinesNanos) {
        return committers.get(group).submitAll(ops, deadlinesNanos);
      }
    };
  }

  /** Whether this node leads data group {@code index} now. On the acquire path: no exceptions. */
  @Override
  public boolean leads(int index) {
    List<RaftGroup> groups = this.groups;
    if (!hosted[index]) {
      return false;
    }
    try {
      return server.getDivision(groups.get(index).getGroupId()).getInfo().isLeader();
    } catch (IOException e) {
      return false; // still joining
    }
  }

  /** The id of the node that leads group {@code index} as far as this node knows, or null. */
  public RaftPeerId leaderOf(int index) {
    List<RaftGroup> groups = this.groups;
    if (hosted[index]) {
      try {
        return server.getDivision(groups.get(index).getGroupId()).getInfo().getLeaderId();
      } catch (IOException e) {
        return null; // still joining
      }
    }
    return chases.get(index).likelyLeader(); // the last leader seen
  }

  /** The Raft client of data group {@code index}, for admin calls. */
  public synchronized RaftClient client(int index) {
    return clients.get(index);
  }

  /** Every data group, by index. */
  public List<RaftGroup> all() {
    return groups;
  }

  /** The groups this node holds a replica of. */
  public List<RaftGroup> local() {
    List<RaftGroup> groups = this.groups;
    boolean[] hosted = this.hosted;
    List<RaftGroup> local = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      if (hosted[i]) {
        local.add(groups.get(i));
      }
    }
    return local;
  }

  private static void closeQuietly(RaftClient client) {
    try {
      client.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing a raft client: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closing = true; // entries in flight stop chasing leaders: their callers get UNAVAILABLE now
    // Before the timer stops: an entry held for it would otherwise never go out nor fail.
    committers.forEach(GroupCommitter::close);
    if (forwarder != null) {
      forwarder.close();
    }
    rpc.close();
    resends.shutdown();
    entryTimer.shutdownNow();
    clients.forEach(DataGroups::closeQuietly);
  }
}
