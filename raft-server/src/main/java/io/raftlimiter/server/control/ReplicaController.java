package io.raftlimiter.server.control;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every data group on the replicas the placement ring gives it among the live nodes, and
 * the metadata group on three live nodes. Every node runs one; only the metadata group's leader
 * acts, so there is one controller at a time and its decisions go through the metadata log.
 *
 * <p>Each tick it probes every member with {@code NodeProbe.Probe} ({@link PeerProbe}), the
 * liveness signal: a node that answers is alive, and its answer says which replicas it hosts, in
 * which role, and how their groups are configured. It marks a member dead after
 * {@code cluster.dead-after-ms} of silence and alive when it answers again, and then carries out
 * what the {@link ReplicaPlanner} decides from that: recording configurations and storage ids the
 * metadata missed, moving one group (the metadata group first), or deleting stray copies. A move
 * <ol>
 *   <li>formats the new replicas on their nodes (Ratis group add), never a node already in the
 *       group's configuration,
 *   <li>has the group's leader change its configuration, only if it is still the one planned
 *       from (Ratis catches the new replicas up, by snapshot when its log was purged, before the
 *       new configuration takes effect),
 *   <li>records where the group is now in the metadata,
 *   <li>deletes the replicas taken out from their live nodes.
 * </ol>
 * A group is only moved while at least {@code cluster.replication} nodes are live: with fewer,
 * a dead replica stays in the configuration and catches up when its node returns. A replica
 * whose copy is lost (its node came back on an empty disk) is taken out regardless.
 *
 * <p>Fencing: the controller acts in the metadata term it leads in, and every command it commits
 * carries that term ({@link MetaCommand.Fenced}); the metadata group applies it only from an
 * entry of that term, so a deposed controller's command, which its successor would log in a
 * later term, is refused. A controller that learns mid-tick that it lost the leadership drops the
 * rest of its steps, and its configuration changes are compare-and-set. Its group adds,
 * configuration changes and copy deletions are made only while it still acts in that term, and a
 * copy is deleted only if the group's leader, asked right before, does not count it
 * ({@link ReplicaCopies}, {@link VoterGuard}).
 */
public final class ReplicaController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaController.class);
  private static final long RECONFIGURE_TIMEOUT_MILLIS = 15_000;
  /** A caught-up heir takes over in well under a second; one that does not is tried no longer. */
  private static final long HANDOVER_TIMEOUT_MILLIS = 5_000;
  /** Ticks a move waits for a hand-over of its leader before it reconfigures without one. */
  private static final int HANDOVER_ATTEMPTS = 5;
  /**
   * How long the guards' group-info questions wait ({@link ReplicaCopies}): a node that answers
   * at all answers in milliseconds.
   */
  private static final long GROUP_INFO_TIMEOUT_MILLIS = 2_000;
  /** Rounds one tick runs at most while each changes something: it yields to close() then. */
  private static final int MAX_ROUNDS_PER_TICK = 20;

  public static final String MOVES_METRIC = "raftlimiter_controller_moves";
  public static final String FAILED_TICKS_METRIC = "raftlimiter_controller_failed_ticks";
  private final RaftPeerId self;
  private final CounterDataPoint moves;
  private final CounterDataPoint failedTicks;
  private final MetadataClient metadata;
  private final long deadAfterNanos;
  private final long probeTimeoutMillis;
  private final ScheduledExecutorService timer;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, Long> lastSeenNanos = new HashMap<>();
  /** Each node's answer to the latest probe it was sent; absent if it did not answer it. */
  private final Map<String, ProbeReply> lastProbe = new HashMap<>();
  /** Ticks in a row each group's move found no heir to take its leader's place (tick thread). */
  private final Map<Integer, Integer> failedHandovers = new HashMap<>();
  /**
   * The metadata term this controller acts in, -1 when it does not: every command it commits is
   * fenced by it ({@link MetaCommand.Fenced}), so one that reaches a successor is refused.
   */
  private long actingTerm = -1;
  private final NodeTransport transport;
  private final PeerProbe probe;

  /**
   * @param moves counts the replica moves this node carried out as the metadata leader
   * @param failedTicks counts ticks whose step failed (retried from a fresh probe next tick)
   * @param probe how the members are asked what they host
   */
  public ReplicaController(NodeConfig config, RaftPeerId self, MetadataClient metadata,
      CounterDataPoint taskFailures, CounterDataPoint moves, CounterDataPoint failedTicks,
      NodeTransport transport, PeerProbe probe) {
    this.self = self;
    this.moves = moves;
    this.failedTicks = failedTicks;
    this.transport = transport;
    this.probe = probe;
    this.metadata = metadata;
    this.deadAfterNanos = TimeUnit.MILLISECONDS.toNanos(config.get(NodeConfigKeys.DEAD_AFTER_MS));
    long interval = config.get(NodeConfigKeys.CONTROLLER_INTERVAL_MS);
    this.probeTimeoutMillis = Math.max(100, Math.min(1_000, interval * 2));
    this.timer = DaemonThreads.timer(self + "-controller");
    DaemonThreads.every(timer, "replica controller", interval, interval, TimeUnit.MILLISECONDS,
        taskFailures, this::tick);
  }

  /**
   * Probes, plans and acts, and goes on at once while there is work it can do: a group founded
   * on one replica, or a dead node's groups, move one after another rather than one per
   * interval. Steps still never overlap, and every round probes afresh.
   */
  private void tick() {
    try {
      for (int round = 0; round < MAX_ROUNDS_PER_TICK && round(); round++) {
        // the next round plans from what this one changed
      }
    } catch (Exception e) {
      failedTicks.inc();
      LOG.warn("{}: controller tick failed: {}", self, e.toString());
    }
  }

  /** One probe, plan and act; whether it changed anything (so that another round may). */
  private boolean round() throws Exception {
    ClusterMetadata current = metadata.current();
    long term = metadata.termIfLeading();
    if (term < 0 || current.shape() == null) {
      actingTerm = -1;
      return false;
    }
    Map<String, PeerAddress> members = members(current);
    if (term != actingTerm) { // a new controller gives every node a full dead-after first
      actingTerm = term;
      long now = System.nanoTime();
      members.keySet().forEach(id -> lastSeenNanos.put(id, now));
      lastProbe.clear();
    }
    probe(members);
    long versionBefore = current.version();
    markDeadAndAlive(current, members);
    current = metadata.current();
    List<ReplicaStep> steps = ReplicaPlanner.plan(situation(current));
    boolean settled = true;
    for (ReplicaStep step : steps) {
      if (metadata.termIfLeading() != actingTerm) {
        LOG.info("{}: no longer the metadata leader of term {}; the rest of this tick's steps "
            + "are dropped", self, actingTerm);
        return false;
      }
      settled &= step instanceof ReplicaStep.DropStray
          || step instanceof ReplicaStep.RecordStorage;
      act(step, current, members);
    }
    if (settled) {
      removeDrainedMembers(metadata.current());
    }
    boolean moved = steps.stream().anyMatch(step -> step instanceof ReplicaStep.Move);
    return moved || metadata.current().version() != versionBefore;
  }

  /** The members {@code metadata} records, by id, with their addresses. */
  public static Map<String, PeerAddress> members(ClusterMetadata metadata) {
    Map<String, PeerAddress> members = new TreeMap<>();
    metadata.members().forEach((id, spec) -> members.put(id, PeerAddress.parse(spec)));
    return members;
  }

  /** What this tick saw, for the planner. */
  private ReplicaPlanner.Situation situation(ClusterMetadata current) {
    Map<Integer, List<String>> recorded = new HashMap<>();
    for (int g = 0; g < current.shape().groups(); g++) {
      recorded.put(g, recordedReplicas(current, g));
    }
    recorded.put(HostedReplica.METADATA, recordedReplicas(current, HostedReplica.METADATA));
    List<HostedReplica> replicas = new ArrayList<>();
    Map<String, String> reportedStorage = new HashMap<>();
    lastProbe.forEach((node, reply) -> {
      replicas.addAll(HostedReplica.reported(node, reply));
      reportedStorage.put(node, reply.getStorageId());
    });
    return new ReplicaPlanner.Situation(current.shape().groups(), current.shape().replication(),
        current.memberIds(), current.membership().dead(), current.membership().leaving(),
        recorded, replicas, current.membership().storageIds(), reportedStorage);
  }

  /** Probes every member at once; the ones that answer in time are alive. */
  private void probe(Map<String, PeerAddress> members) throws InterruptedException {
    Map<String, ManagedChannel> nodes = new TreeMap<>();
    members.forEach((id, peer) -> nodes.put(id, channel(peer)));
    Map<String, ProbeReply> answered = PeerStatuses.ask(probe, nodes, probeTimeoutMillis);
    long now = System.nanoTime();
    for (String id : members.keySet()) {
      ProbeReply reply = answered.get(id);
      if (reply == null) {
        lastProbe.remove(id);
      } else {
        lastSeenNanos.put(id, now);
        lastProbe.put(id, reply);
      }
    }
  }

  private void markDeadAndAlive(ClusterMetadata current, Map<String, PeerAddress> members)
      throws Exception {
    long now = System.nanoTime();
    lastSeenNanos.put(self.toString(), now); // the controller runs, whatever its own probe says
    for (String id : members.keySet()) {
      boolean silent = now - lastSeenNanos.getOrDefault(id, now) > deadAfterNanos;
      boolean markedDead = current.membership().dead().contains(id);
      if (silent != markedDead) {
        LOG.info("{}: marking {} {}", self, id, silent ? "dead" : "alive again");
        commit(new MetaCommand.MarkDead(id, silent));
      }
    }
  }

  private void act(ReplicaStep step, ClusterMetadata current, Map<String, PeerAddress> members)
      throws Exception {
    if (step instanceof ReplicaStep.Record record) {
      LOG.info("{}: {} is on {}, which the metadata had not recorded", self,
          groupName(record.group()), record.replicas());
      commit(setReplicas(record.group(), record.replicas()));
    } else if (step instanceof ReplicaStep.RecordStorage storage) {
      String known = current.membership().storageIds().get(storage.node());
      if (known == null) {
        LOG.info("{}: {} keeps its replicas in storage {}", self, storage.node(),
            storage.storageId());
      } else {
        LOG.warn("{}: {} came back on an empty disk (storage {}, was {}); none of its old replicas "
            + "is counted any more, and it is filled again as a new member", self, storage.node(),
            storage.storageId(), known);
      }
      commit(new MetaCommand.RecordStorage(storage.node(), storage.storageId()));
    } else if (step instanceof ReplicaStep.Move move) {
      move(move, members, liveMembers(current, members));
    } else if (step instanceof ReplicaStep.DropStray stray) {
      PeerAddress node = members.get(stray.node());
      if (node == null) {
        return; // not a member any more: nothing to reach it by
      }
      // The group's leader is asked whether the copy is still counted: among its recorded
      // replicas, which the Record steps keep equal to what the leaders report.
      List<String> recorded = recordedReplicas(current, stray.group());
      Set<String> reachable = new LinkedHashSet<>(recorded);
      reachable.add(stray.node());
      RaftGroup reach = RaftGroup.valueOf(groupId(stray.group()),
          peers(List.copyOf(reachable), members));
      try (RaftClient client = adminClient(reach); RaftClient probes = probeClient(reach)) {
        dropReplica(copies(client, probes), stray.node(), groupId(stray.group()),
            liveAmong(recorded, liveMembers(current, members)));
      }
    }
  }

  private static RaftGroupId groupId(int group) {
    return group == HostedReplica.METADATA ? ClusterGroups.metaGroupId()
        : ClusterGroups.dataGroupId(group);
  }

  private static String groupName(int group) {
    return group == HostedReplica.METADATA ? "the metadata group" : "group " + group;
  }

  private static MetaCommand setReplicas(int group, List<String> replicas) {
    return group == HostedReplica.METADATA ? new MetaCommand.SetMetadataReplicas(replicas)
        : new MetaCommand.SetReplicas(group, replicas);
  }

  /** The replicas the metadata records for {@code group}, or where the shape first put it. */
  private static List<String> recordedReplicas(ClusterMetadata current, int group) {
    return group == HostedReplica.METADATA ? ClusterGroups.metadataReplicas(current)
        : current.membership().replicas().getOrDefault(group,
            initialPlacement(current).get(group));
  }

  /** Where the cluster's shape first placed the groups (those the metadata has not moved since). */
  private static List<List<String>> initialPlacement(ClusterMetadata current) {
    return new PlacementRing(current.foundingMemberIds()).placement(current.shape().groups(),
        Math.min(current.shape().replication(), current.shape().members().size()));
  }

  /** Members drained of every replica leave the membership. */
  private void removeDrainedMembers(ClusterMetadata current) throws Exception {
    if (current.membership().leaving().isEmpty()) {
      return;
    }
    List<List<String>> initial = initialPlacement(current);
    for (String node : current.membership().leaving()) {
      boolean holdsReplica = false;
      for (int g = 0; g < current.shape().groups(); g++) {
        holdsReplica |= current.membership().replicas().getOrDefault(g, initial.get(g))
            .contains(node);
      }
      holdsReplica |= ClusterGroups.metadataReplicas(current).contains(node);
      ProbeReply reply = lastProbe.get(node);
      boolean hostsNothing = reply == null || reply.getReplicasCount() == 0;
      if (!holdsReplica && hostsNothing) {
        LOG.info("{}: {} is drained; removing it from the members", self, node);
        commit(new MetaCommand.RemoveMember(node));
      }
    }
  }

  /**
   * Hands the group's leadership from a replica about to be taken out to a live one that stays,
   * trying each in turn. When none takes it, the move waits for a later tick rather than take
   * the leader out of the configuration: Ratis then closes that leader itself, and ChaosIT saw
   * such a close never finish (its apply thread never stopped), holding the copy's directory
   * locked until the node restarted, so that node could host the group again neither by format
   * nor by a fresh add, and the controller retried the same move every tick. After
   * {@link #HANDOVER_ATTEMPTS} ticks without a hand-over the move goes ahead anyway, so that a
   * group whose heirs never catch up still reaches its planned replicas.
   */
  private void moveLeadershipOff(RaftClient client, ReplicaStep.Move move, List<String> live)
      throws IOException {
    if (move.to().contains(move.leader())) {
      return;
    }
    List<String> heirs = move.to().stream().filter(move.from()::contains)
        .filter(live::contains).toList();
    IOException refused = null;
    for (String heir : heirs) {
      try {
        client.admin().transferLeadership(RaftPeerId.valueOf(heir), HANDOVER_TIMEOUT_MILLIS);
        LOG.info("{}: leadership of {} handed from {} to {}", self, groupName(move.group()),
            move.leader(), heir);
        failedHandovers.remove(move.group());
        return;
      } catch (IOException e) {
        refused = e;
      }
    }
    if (heirs.isEmpty()) {
      LOG.info("{}: no live replica of {} stays to take its leadership; reconfiguring", self,
          groupName(move.group()));
      return;
    }
    int failed = failedHandovers.merge(move.group(), 1, Integer::sum);
    if (failed < HANDOVER_ATTEMPTS) {
      throw new IOException("leadership of " + groupName(move.group()) + " not handed to any of "
          + heirs + " (" + refused + "); its move waits for the next tick", refused);
    }
    failedHandovers.remove(move.group());
    LOG.warn("{}: leadership of {} not handed to any of {} in {} ticks ({}); reconfiguring "
        + "anyway", self, groupName(move.group()), heirs, failed, refused.toString());
  }

  /**
   * Formats the new replicas, then changes the group's configuration only if it is still the
   * one the plan started from (Ratis' compare-and-set): a configuration changed meanwhile, by a
   * controller that has not yet heard it was deposed say, makes the move fail instead.
   */
  private void move(ReplicaStep.Move move, Map<String, PeerAddress> members, List<String> live)
      throws Exception {
    int group = move.group();
    RaftGroupId groupId = groupId(group);
    List<RaftPeer> target = peers(move.to(), members);
    Set<String> everyone = new LinkedHashSet<>(move.from());
    everyone.addAll(move.to());
    RaftGroup reach = RaftGroup.valueOf(groupId, peers(List.copyOf(everyone), members));
    LOG.info("{}: moving {} from {} to {}", self, groupName(group), move.from(), move.to());
    // Addressed to the planned leader: a replica that lost its copy answers "group not found",
    // which a Raft client does not take as a hint to try the next peer.
    try (RaftClient client = adminClient(reach, RaftPeerId.valueOf(move.leader()));
        RaftClient probes = probeClient(reach)) {
      ReplicaCopies copies = copies(client, probes);
      for (String added : move.format()) {
        copies.format(added, RaftGroup.valueOf(groupId, target), liveAmong(move.from(), live));
      }
      moveLeadershipOff(client, move, live);
      copies.fence("change the configuration of " + groupName(group));
      RaftClientReply reply = client.admin().setConfiguration(
          SetConfigurationRequest.Arguments.newBuilder()
              .setServersInNewConf(target)
              .setServersInCurrentConf(peers(move.from(), members))
              .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
              .build());
      if (!reply.isSuccess()) {
        throw new IOException(groupName(group) + " refused its new configuration: "
            + reply.getException());
      }
      commit(setReplicas(group, move.to()));
      // Counted once recorded: dropping the old copies below is clean-up, which a stray drop
      // finishes if it fails here.
      moves.inc();
      LOG.info("{}: {} now on {}", self, groupName(group), move.to());
      for (String removed : move.from()) {
        if (!move.to().contains(removed) && live.contains(removed)) {
          dropReplica(copies, removed, groupId, liveAmong(move.to(), live));
        }
      }
    }
  }

  /** Peers by node id; a node no longer a member keeps its id (all a configuration compares). */
  private static List<RaftPeer> peers(List<String> ids, Map<String, PeerAddress> members) {
    return ids.stream().map(id -> members.containsKey(id)
        ? ClusterGroups.raftPeer(members.get(id))
        : RaftPeer.newBuilder().setId(id).build()).toList();
  }

  /** Group adds and removes made only while this controller acts in {@link #actingTerm}. */
  private ReplicaCopies copies(RaftClient client, RaftClient probes) {
    long term = actingTerm;
    return new ReplicaCopies(client, probes, () -> term >= 0 && metadata.termIfLeading() == term,
        "the controller on " + self + " of metadata term " + term);
  }

  private void dropReplica(ReplicaCopies copies, String node, RaftGroupId groupId,
      List<String> leaderAmong) {
    try {
      copies.delete(node, groupId, leaderAmong);
      LOG.info("{}: deleted the replica of {} on {}", self, groupId, node);
    } catch (IOException e) {
      LOG.info("{}: did not delete the replica of {} on {} (next tick): {}", self, groupId,
          node, e.getMessage());
    }
  }

  private void commit(MetaCommand command) throws Exception {
    MetaReply reply = metadata.submit(new MetaCommand.Fenced(actingTerm, command))
        .get(RECONFIGURE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    if (reply.refused()) {
      throw new IllegalStateException("metadata refused " + command + ": " + reply.refusal());
    }
  }

  /** The members not marked dead. */
  private static List<String> liveMembers(ClusterMetadata current,
      Map<String, PeerAddress> members) {
    List<String> live = new ArrayList<>(members.keySet());
    live.removeAll(current.membership().dead());
    return live;
  }

  /** The ones of {@code replicas} not marked dead, in order. */
  private static List<String> liveAmong(List<String> replicas, List<String> live) {
    return replicas.stream().filter(live::contains).toList();
  }

  private RaftClient adminClient(RaftGroup group) {
    return adminClient(group, null);
  }

  /** A client for admin calls to {@code group}, trying {@code leader} first when it is given. */
  private RaftClient adminClient(RaftGroup group, RaftPeerId leader) {
    return ratisClient(group, leader, RECONFIGURE_TIMEOUT_MILLIS,
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)));
  }

  /** A client for the guards' group-info questions: one short attempt each. */
  private RaftClient probeClient(RaftGroup group) {
    return ratisClient(group, null, GROUP_INFO_TIMEOUT_MILLIS, RetryPolicies.noRetry());
  }

  private RaftClient ratisClient(RaftGroup group, RaftPeerId leader, long timeoutMillis,
      RetryPolicy retries) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(timeoutMillis, TimeUnit.MILLISECONDS));
    return RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setLeaderId(leader)
        .setProperties(properties)
        .setParameters(transport.ratis())
        .setRetryPolicy(retries)
        .build();
  }

  private ManagedChannel channel(PeerAddress peer) {
    return channels.computeIfAbsent(peer.clientAddress(),
        address -> Grpc.newChannelBuilder(address, transport.toNodes()).build());
  }

  @Override
  public void close() {
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
