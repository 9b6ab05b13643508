package io.raftlimiter.server;

import com.codahale.metrics.Counter;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.routing.PlacementRing;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every data group on the replicas the placement ring gives it among the live nodes.
 * Every node runs one; only the metadata group's leader acts, so there is one controller at a
 * time and its decisions go through the metadata log.
 *
 * <p>Each tick it probes every member's {@code NodeAdmin.Status} (the liveness signal: a node
 * that answers is alive), marks a member dead after {@code cluster.dead-after-ms} of silence and
 * alive when it answers again, then changes at most one group:
 * <ol>
 *   <li>the new replicas are formatted on their nodes (Ratis group add),
 *   <li>the group's leader changes its configuration to them (Ratis catches the new replicas up,
 *       by snapshot when its log was purged, before the new configuration takes effect),
 *   <li>the metadata records where the group is now,
 *   <li>replicas taken out are deleted from their live nodes.
 * </ol>
 * A group is only moved while at least {@code cluster.replication} nodes are live: with fewer,
 * a dead replica stays in the configuration and catches up when its node returns.
 */
final class ReplicaController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaController.class);
  private static final long RECONFIGURE_TIMEOUT_MILLIS = 15_000;

  private final RaftPeerId self;
  private final MetadataGroup metadata;
  private final long deadAfterNanos;
  private final long probeTimeoutMillis;
  private final ScheduledExecutorService timer;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, Long> lastSeenNanos = new HashMap<>();
  private final Map<String, NodeStatus> lastStatus = new HashMap<>();
  private boolean acting;

  ReplicaController(NodeConfig config, RaftPeerId self, MetadataGroup metadata,
      Counter taskFailures) {
    this.self = self;
    this.metadata = metadata;
    this.deadAfterNanos = TimeUnit.MILLISECONDS.toNanos(config.get(NodeConfigKeys.DEAD_AFTER_MS));
    long interval = config.get(NodeConfigKeys.CONTROLLER_INTERVAL_MS);
    this.probeTimeoutMillis = Math.max(100, Math.min(1_000, interval * 2));
    this.timer = DaemonThreads.timer(self + "-controller");
    DaemonThreads.every(timer, "replica controller", interval, interval, TimeUnit.MILLISECONDS,
        taskFailures, this::tick);
  }

  private void tick() {
    try {
      ClusterMetadata current = metadata.current();
      if (!self.equals(metadata.leader()) || current.shape() == null) {
        acting = false;
        return;
      }
      Map<String, PeerAddress> members = members(current);
      if (!acting) { // a new controller gives every node a full dead-after before judging it
        acting = true;
        long now = System.nanoTime();
        members.keySet().forEach(id -> lastSeenNanos.put(id, now));
        lastStatus.clear();
      }
      probe(members);
      markDeadAndAlive(current, members);
      current = metadata.current();
      if (!moveOneGroup(current, members)) {
        removeStrayReplicas(current, members);
        removeDrainedMembers(metadata.current());
      }
    } catch (Exception e) {
      LOG.warn("{}: controller tick failed: {}", self, e.toString());
    }
  }

  private static Map<String, PeerAddress> members(ClusterMetadata metadata) {
    Map<String, PeerAddress> members = new TreeMap<>();
    metadata.members().forEach((id, spec) -> members.put(id, PeerAddress.parse(spec)));
    return members;
  }

  /** Asks every member for its status at once; the ones that answer in time are alive. */
  private void probe(Map<String, PeerAddress> members) throws InterruptedException {
    Map<String, Future<NodeStatus>> pending = new HashMap<>();
    members.forEach((id, peer) -> pending.put(id, NodeAdminGrpc.newFutureStub(channel(peer))
        .withDeadlineAfter(probeTimeoutMillis, TimeUnit.MILLISECONDS)
        .status(StatusRequest.getDefaultInstance())));
    for (Map.Entry<String, Future<NodeStatus>> answer : pending.entrySet()) {
      try {
        NodeStatus status = answer.getValue().get(probeTimeoutMillis + 200, TimeUnit.MILLISECONDS);
        lastSeenNanos.put(answer.getKey(), System.nanoTime());
        lastStatus.put(answer.getKey(), status);
      } catch (ExecutionException | TimeoutException e) {
        lastStatus.remove(answer.getKey());
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

  /** Moves the first group whose replicas differ from the ring's; false when none does. */
  private boolean moveOneGroup(ClusterMetadata current, Map<String, PeerAddress> members)
      throws Exception {
    List<String> live = new ArrayList<>(members.keySet());
    live.removeAll(current.membership().dead());
    List<String> eligible = new ArrayList<>(live);
    eligible.removeAll(current.membership().leaving());
    int groups = current.shape().groups();
    int replication = Math.min(current.shape().replication(), members.size());
    if (eligible.size() < replication) {
      return false; // no spare node: dead replicas stay and catch up when their node returns
    }
    List<List<String>> desired = new PlacementRing(eligible).placement(groups, replication);
    List<List<String>> initial = initialPlacement(current);
    Set<Integer> led = leaderConfigurations().keySet();
    for (int g = 0; g < groups; g++) {
      if (!led.contains(g)) {
        continue; // no live leader (quorum lost, or an election): its configuration cannot change
      }
      List<String> now = current.membership().replicas().getOrDefault(g, initial.get(g));
      List<String> target = desired.get(g);
      if (!Set.copyOf(now).equals(Set.copyOf(target))) {
        move(g, now, target, members, live);
        return true;
      }
    }
    return false;
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
      NodeStatus status = lastStatus.get(node);
      boolean hostsNothing = status == null || status.getGroupsCount() == 0;
      if (!holdsReplica && hostsNothing) {
        LOG.info("{}: {} is drained; removing it from the members", self, node);
        commit(new MetaCommand.RemoveMember(node));
      }
    }
  }

  /** Hands the group's leadership from a replica about to be taken out to one that stays. */
  private void moveLeadershipOff(RaftClient client, int group, List<String> from,
      List<String> to) {
    String leader = null;
    for (Map.Entry<String, NodeStatus> node : lastStatus.entrySet()) {
      for (GroupStatus g : node.getValue().getGroupsList()) {
        if (g.getIndex() == group && g.getRole().equals("LEADER")) {
          leader = node.getKey();
        }
      }
    }
    if (leader == null || to.contains(leader)) {
      return;
    }
    String heir = to.stream().filter(from::contains).findFirst().orElse(null);
    if (heir == null) {
      return;
    }
    try {
      client.admin().transferLeadership(RaftPeerId.valueOf(heir), RECONFIGURE_TIMEOUT_MILLIS);
      LOG.info("{}: leadership of group {} handed from {} to {}", self, group, leader, heir);
    } catch (IOException e) {
      LOG.info("{}: leadership of group {} not handed to {} ({}); reconfiguring anyway", self,
          group, heir, e.toString());
    }
  }

  private void move(int group, List<String> from, List<String> to,
      Map<String, PeerAddress> members, List<String> live) throws Exception {
    RaftGroupId groupId = ClusterGroups.dataGroupId(group);
    List<RaftPeer> target = to.stream().map(id -> ClusterGroups.raftPeer(members.get(id))).toList();
    Set<String> everyone = new LinkedHashSet<>(from);
    everyone.addAll(to);
    RaftGroup reach = RaftGroup.valueOf(groupId,
        everyone.stream().map(id -> ClusterGroups.raftPeer(members.get(id))).toList());
    LOG.info("{}: moving group {} from {} to {}", self, group, from, to);
    try (RaftClient client = adminClient(reach)) {
      for (String added : to) {
        if (!from.contains(added)) {
          format(client, added, RaftGroup.valueOf(groupId, target));
        }
      }
      moveLeadershipOff(client, group, from, to);
      RaftClientReply reply = client.admin().setConfiguration(target);
      if (!reply.isSuccess()) {
        throw new IOException("group " + group + " refused its new configuration: "
            + reply.getException());
      }
      commit(new MetaCommand.SetReplicas(group, to));
      for (String removed : from) {
        if (!to.contains(removed) && live.contains(removed)) {
          dropReplica(client, removed, groupId);
        }
      }
    }
    LOG.info("{}: group {} now on {}", self, group, to);
  }

  /** Formats the group on {@code node}; a stale copy left from an earlier membership goes first. */
  private void format(RaftClient client, String node, RaftGroup group) throws IOException {
    RaftPeerId id = RaftPeerId.valueOf(node);
    try {
      client.getGroupManagementApi(id).add(group, true);
    } catch (IOException e) {
      if (!(e instanceof AlreadyExistsException)
          && !String.valueOf(e.getMessage()).contains("already exists")) {
        throw e;
      }
      client.getGroupManagementApi(id).remove(group.getGroupId(), true, false);
      client.getGroupManagementApi(id).add(group, true);
    }
  }

  private void dropReplica(RaftClient client, String node, RaftGroupId groupId) {
    try {
      client.getGroupManagementApi(RaftPeerId.valueOf(node)).remove(groupId, true, false);
      LOG.info("{}: deleted the replica of {} on {}", self, groupId, node);
    } catch (IOException e) {
      LOG.info("{}: could not delete the replica of {} on {} (next tick): {}", self, groupId,
          node, e.toString());
    }
  }

  /**
   * Deletes replicas that live nodes host but that their group's leader no longer counts (a
   * node that was replaced while it was down, or a removal that failed). The leader's own view
   * of its configuration decides, not the metadata, which could lag behind it.
   */
  private void removeStrayReplicas(ClusterMetadata current, Map<String, PeerAddress> members)
      throws IOException {
    Map<Integer, Set<String>> leaderConf = leaderConfigurations();
    for (Map.Entry<String, NodeStatus> node : lastStatus.entrySet()) {
      for (GroupStatus hosted : node.getValue().getGroupsList()) {
        Set<String> conf = leaderConf.get(hosted.getIndex());
        if (conf != null && !conf.contains(node.getKey())) {
          RaftGroupId groupId = ClusterGroups.dataGroupId(hosted.getIndex());
          RaftGroup reach = RaftGroup.valueOf(groupId,
              List.of(ClusterGroups.raftPeer(members.get(node.getKey()))));
          try (RaftClient client = adminClient(reach)) {
            dropReplica(client, node.getKey(), groupId);
          }
        }
      }
    }
  }

  /** Each group's configuration as its leader reported it in the last probe (led groups only). */
  private Map<Integer, Set<String>> leaderConfigurations() {
    Map<Integer, Set<String>> conf = new HashMap<>();
    lastStatus.values().forEach(status -> status.getGroupsList().stream()
        .filter(g -> g.getRole().equals("LEADER"))
        .forEach(g -> conf.put(g.getIndex(), new HashSet<>(g.getPeerIdsList()))));
    return conf;
  }

  private void commit(MetaCommand command) throws Exception {
    MetaReply reply = metadata.submit(command).get(RECONFIGURE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    if (reply.refused()) {
      throw new IllegalStateException("metadata refused " + command + ": " + reply.refusal());
    }
  }

  private static RaftClient adminClient(RaftGroup group) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(RECONFIGURE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    return RaftClient.newBuilder()
        .setClientId(ClientId.randomId())
        .setRaftGroup(group)
        .setProperties(properties)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(3,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build();
  }

  private ManagedChannel channel(PeerAddress peer) {
    return channels.computeIfAbsent(peer.clientAddress(),
        address -> ManagedChannelBuilder.forTarget(address).usePlaintext().build());
  }

  @Override
  public void close() {
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
