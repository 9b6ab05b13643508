package io.raftlimiter.server;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.control.HostedReplica;
import io.raftlimiter.server.control.LocalReplicas;
import io.raftlimiter.server.control.MetadataClient;
import io.raftlimiter.server.control.PeerListCheck;
import io.raftlimiter.server.control.ReplicaState;
import io.raftlimiter.server.control.StorageIdentity;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.decide.eventual.EventualDecider;
import io.raftlimiter.server.decide.lease.LeasedDecider;
import io.raftlimiter.server.runtime.BuildInfo;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.statemachine.RateLimiterStateMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Builds what a node reports of itself ({@code NodeAdmin.Status}) from its parts: decisions and
 * consistency-mode counters, the metadata it decides by, its storage id, and what each replica it
 * hosts says of its group. That last part is read by {@link LocalReplicas}, which the
 * controller's probe ({@code NodeProbe.Probe}) reports from too: operators and the controller see
 * one version of each replica.
 */
final class NodeStatusReport {
  private final NodeConfig config;
  private final NodeMetrics metrics;
  private final RaftServer raftServer;
  private final DataGroups groups;
  private final MetadataClient metadata;
  private final EventualDecider eventual;
  private final LeasedDecider leased;
  private final StorageIdentity storage;
  private final LocalReplicas replicas;
  private final long startedAtMillis;

  NodeStatusReport(NodeConfig config, NodeMetrics metrics, RaftServer raftServer,
      DataGroups groups, MetadataClient metadata, EventualDecider eventual, LeasedDecider leased,
      StorageIdentity storage, LocalReplicas replicas, long startedAtMillis) {
    this.config = config;
    this.metrics = metrics;
    this.raftServer = raftServer;
    this.groups = groups;
    this.metadata = metadata;
    this.eventual = eventual;
    this.leased = leased;
    this.storage = storage;
    this.replicas = replicas;
    this.startedAtMillis = startedAtMillis;
  }

  NodeStatus status() {
    NodeStatus.Builder status = NodeStatus.newBuilder()
        .setNodeId(config.nodeId())
        .setClientAddress(config.self().clientAddress())
        .setDecisionsAllowed(metrics.allowedCount())
        .setDecisionsRejected(metrics.rejectedCount())
        .setUptimeMillis(System.currentTimeMillis() - startedAtMillis)
        .setEventualViews(eventual.views())
        .setEventualOwedHits(eventual.owedHits())
        .setLeases(leased.leases())
        .setLeasedTokens(leased.leasedTokens());
    ClusterMetadata known = metadata.current();
    RaftPeerId metadataLeader = metadata.leader();
    status.setMetadataVersion(known.version())
        .setLimitRules(known.rules().size())
        .setMetadataLeader(metadataLeader == null ? "" : metadataLeader.toString())
        .setMetadataProblem(metadata.problem())
        .addAllDeadNodes(known.membership().dead())
        .addAllMembers(known.memberIds())
        .setClusterGroups(known.shape() == null ? groups.all().size() : known.shape().groups())
        .setClusterReplication(known.shape() == null ? 0 : known.shape().replication())
        .addAllLeaving(known.membership().leaving())
        .setStorageId(storage.id())
        .setStorageReused(!storage.created())
        .setBuildVersion(BuildInfo.current().version())
        .setBuildCommit(BuildInfo.current().commit())
        .addAllClusterPeers(PeerListCheck.entries(config.peers()))
        .putAllMemberStorageIds(known.membership().storageIds())
        .addAllMetadataReplicas(known.shape() == null ? List.of()
            : ClusterGroups.metadataReplicas(known));
    known.members().forEach((id, spec) -> {
      try {
        status.putMemberClientAddresses(id, PeerAddress.parse(spec).clientAddress());
      } catch (RuntimeException e) {
        // recorded before specs were checked: left out rather than fail the status call
      }
    });
    for (ReplicaState replica : replicas.all()) {
      if (replica.group() == HostedReplica.METADATA) {
        status.setMetadataGroup(groupStatus(replica, ClusterGroups.metaGroupId()));
      } else {
        status.addGroups(dataGroupStatus(replica));
      }
    }
    return status.build();
  }

  /** The state machines of the data groups this node hosts. */
  Stream<RateLimiterStateMachine> dataStateMachines() {
    List<RateLimiterStateMachine> machines = new ArrayList<>();
    for (RaftGroup group : groups.local()) {
      try {
        machines.add((RateLimiterStateMachine) raftServer.getDivision(group.getGroupId())
            .getStateMachine());
      } catch (IOException | RuntimeException e) {
        // removed or closing meanwhile: not counted
      }
    }
    return machines.stream();
  }

  /**
   * A replica's group as operators see it, from {@link LocalReplicas}: the reading the
   * controller's probe reports too. The role is the typed role's name (LEADER, FOLLOWER,
   * CANDIDATE, LISTENER, FAILED or UNKNOWN).
   */
  private static GroupStatus.Builder groupStatus(ReplicaState replica, RaftGroupId id) {
    return GroupStatus.newBuilder()
        .setIndex(replica.group())
        .setGroupId(id.getUuid().toString())
        .setRole(replica.role().name())
        .setLeaderId(replica.leaderId())
        .setTerm(replica.term())
        .setAppliedIndex(replica.appliedIndex())
        .setCommitIndex(replica.commitIndex())
        .setConfigurationIndex(replica.configurationIndex())
        .addAllPeerIds(replica.peers())
        .addAllPreviousPeerIds(replica.previousPeers());
  }

  /** A data group's status: its replica's, and what its state machine and queue hold. */
  private GroupStatus dataGroupStatus(ReplicaState replica) {
    RaftGroupId id = ClusterGroups.dataGroupId(replica.group());
    GroupStatus.Builder builder = groupStatus(replica, id);
    if (!replica.running()) {
      return builder.build();
    }
    try {
      RateLimiterStateMachine sm =
          (RateLimiterStateMachine) raftServer.getDivision(id).getStateMachine();
      var snapshot = sm.getLatestSnapshot();
      builder.setStoredBuckets(sm.storedBuckets())
          .setSnapshotsInstalled(sm.snapshotsInstalled())
          .setLatestSnapshotIndex(snapshot == null ? -1 : snapshot.getIndex())
          .setSnapshotAgeMillis(ageMillis(sm.latestSnapshotWrittenMillis()))
          .setQueuedOps(groups.queued(replica.group()))
          .setClockSkewMillis(TimeUnit.NANOSECONDS.toMillis(sm.clockSkewNanos()))
          .setClampedStamps(sm.clampedStamps());
    } catch (IOException | RuntimeException e) {
      // removed or closing meanwhile: the replica's own state stands, without these figures
    }
    return builder.build();
  }

  /** How long ago {@code writtenMillis} was by this node's clock; -1 for no snapshot. */
  private static long ageMillis(long writtenMillis) {
    return writtenMillis < 0 ? -1 : Math.max(0, System.currentTimeMillis() - writtenMillis);
  }
}
