package io.raftlimiter.server;

import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.control.HostedReplica;
import io.raftlimiter.server.control.MetadataClient;
import io.raftlimiter.server.control.PeerListCheck;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Builds what a node reports of itself ({@code NodeAdmin.Status}) from its parts: decisions and
 * consistency-mode counters, the metadata it decides by, its storage id, and what each replica it
 * hosts says of its group. The replica controller plans from these reports, so a group's
 * configuration is read from the replica itself, never from the metadata's record of it.
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
  private final long startedAtMillis;

  NodeStatusReport(NodeConfig config, NodeMetrics metrics, RaftServer raftServer,
      DataGroups groups, MetadataClient metadata, EventualDecider eventual, LeasedDecider leased,
      StorageIdentity storage, long startedAtMillis) {
    this.config = config;
    this.metrics = metrics;
    this.raftServer = raftServer;
    this.groups = groups;
    this.metadata = metadata;
    this.eventual = eventual;
    this.leased = leased;
    this.storage = storage;
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
    metadataGroupStatus().ifPresent(status::setMetadataGroup);
    known.members().forEach((id, spec) -> {
      try {
        status.putMemberClientAddresses(id, PeerAddress.parse(spec).clientAddress());
      } catch (RuntimeException e) {
        // recorded before specs were checked: left out rather than fail the status call
      }
    });
    List<RaftGroup> all = groups.all();
    for (int index = 0; index < all.size(); index++) {
      groupStatus(index, all.get(index)).ifPresent(status::addGroups);
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

  /** This node's replica of the metadata group; empty when it hosts none. */
  private Optional<GroupStatus> metadataGroupStatus() {
    RaftServer.Division division;
    try {
      division = raftServer.getDivision(ClusterGroups.metaGroupId());
    } catch (IOException e) {
      return Optional.empty();
    }
    GroupStatus.Builder builder = GroupStatus.newBuilder()
        .setIndex(-1)
        .setGroupId(ClusterGroups.metaGroupId().getUuid().toString());
    try {
      configuration(division, builder);
      if (reportedFailed(division, builder)) {
        return Optional.of(builder.build());
      }
      var info = division.getInfo();
      RaftPeerId leader = info.getLeaderId();
      builder.setRole(info.getCurrentRole().name())
          .setLeaderId(leader == null ? "" : leader.toString())
          .setTerm(info.getCurrentTerm())
          .setAppliedIndex(info.getLastAppliedIndex())
          .setCommitIndex(division.getRaftLog().getLastCommittedIndex());
    } catch (RuntimeException e) {
      builder.setRole("UNKNOWN");
    }
    return Optional.of(builder.build());
  }

  /** The replica's own view of the configuration: the truth about who replicates the group. */
  private static void configuration(RaftServer.Division division, GroupStatus.Builder builder) {
    division.getRaftConf().getCurrentPeers()
        .forEach(p -> builder.addPeerIds(p.getId().toString()));
    division.getRaftConf().getPreviousPeers()
        .forEach(p -> builder.addPreviousPeerIds(p.getId().toString()));
    builder.setConfigurationIndex(division.getRaftConf().getLogEntryIndex());
  }

  /**
   * Marks a replica that Ratis has stopped as {@link HostedReplica#FAILED_ROLE}: it stays
   * registered with the server, but it applies and answers nothing, and its last role would
   * read as if it still did.
   */
  private static boolean reportedFailed(RaftServer.Division division, GroupStatus.Builder builder) {
    if (division.getInfo().isAlive()) {
      return false;
    }
    builder.setRole(HostedReplica.FAILED_ROLE).setTerm(division.getInfo().getCurrentTerm());
    return true;
  }

  /** How long ago {@code writtenMillis} was by this node's clock; -1 for no snapshot. */
  private static long ageMillis(long writtenMillis) {
    return writtenMillis < 0 ? -1 : Math.max(0, System.currentTimeMillis() - writtenMillis);
  }

  private Optional<GroupStatus> groupStatus(int index, RaftGroup raftGroup) {
    RaftServer.Division division;
    try {
      division = raftServer.getDivision(raftGroup.getGroupId());
    } catch (IOException e) {
      return Optional.empty();
    }
    GroupStatus.Builder builder = GroupStatus.newBuilder()
        .setIndex(index)
        .setGroupId(raftGroup.getGroupId().getUuid().toString());
    try {
      configuration(division, builder);
      if (reportedFailed(division, builder)) {
        return Optional.of(builder.build());
      }
      var info = division.getInfo();
      RaftPeerId leader = info.getLeaderId();
      RateLimiterStateMachine sm = (RateLimiterStateMachine) division.getStateMachine();
      var snapshot = sm.getLatestSnapshot();
      builder.setRole(info.getCurrentRole().name())
          .setLeaderId(leader == null ? "" : leader.toString())
          .setTerm(info.getCurrentTerm())
          .setAppliedIndex(info.getLastAppliedIndex())
          .setCommitIndex(division.getRaftLog().getLastCommittedIndex())
          .setStoredBuckets(sm.storedBuckets())
          .setSnapshotsInstalled(sm.snapshotsInstalled())
          .setLatestSnapshotIndex(snapshot == null ? -1 : snapshot.getIndex())
          .setSnapshotAgeMillis(ageMillis(sm.latestSnapshotWrittenMillis()))
          .setQueuedOps(groups.queued(index))
          .setClockSkewMillis(TimeUnit.NANOSECONDS.toMillis(sm.clockSkewNanos()))
          .setClampedStamps(sm.clampedStamps());
    } catch (RuntimeException e) {
      builder.setRole("UNKNOWN");
    }
    return Optional.of(builder.build());
  }
}
