package io.raftlimiter.server.ops;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The node's status ({@code NodeAdmin.Status}) as Prometheus gauges, read at scrape time: one
 * series per data group (labelled {@code group}) for its role, term and indexes, and node-wide
 * figures (metadata version, members, dead nodes, EVENTUAL and LEASED state, readiness). One
 * source for {@code rlctl cluster status} and the metrics, so the two never disagree.
 */
public final class StatusCollector implements MultiCollector {
  private final Supplier<NodeStatus> status;

  public StatusCollector(Supplier<NodeStatus> status) {
    this.status = status;
  }

  @Override
  public MetricSnapshots collect() {
    NodeStatus now = status.get();
    List<MetricSnapshot> snapshots = new ArrayList<>();
    snapshots.add(perGroup(now, "raftlimiter_group_leader",
        "1 if this node leads the group, else 0", g -> g.getRole().equals("LEADER") ? 1 : 0));
    snapshots.add(perGroup(now, "raftlimiter_group_has_leader",
        "1 if this node knows a leader of the group, else 0",
        g -> g.getLeaderId().isEmpty() ? 0 : 1));
    snapshots.add(perGroup(now, "raftlimiter_group_term", "the group's Raft term here",
        GroupStatus::getTerm));
    snapshots.add(perGroup(now, "raftlimiter_group_applied_index",
        "the last log index this replica applied", GroupStatus::getAppliedIndex));
    snapshots.add(perGroup(now, "raftlimiter_group_commit_index",
        "the last log index this replica knows committed", GroupStatus::getCommitIndex));
    snapshots.add(perGroup(now, "raftlimiter_group_snapshot_index",
        "the log index of this replica's latest snapshot", GroupStatus::getLatestSnapshotIndex));
    snapshots.add(perGroup(now, "raftlimiter_group_snapshot_age_seconds",
        "seconds since this replica's latest snapshot was written (-1: none)",
        g -> g.getSnapshotAgeMillis() < 0 ? -1 : g.getSnapshotAgeMillis() / 1000.0));
    snapshots.add(perGroup(now, "raftlimiter_group_queued_ops",
        "acquires waiting in this node's queue for the group", GroupStatus::getQueuedOps));
    snapshots.add(perGroup(now, "raftlimiter_group_buckets",
        "buckets this replica holds", GroupStatus::getStoredBuckets));
    snapshots.add(gauge("raftlimiter_metadata_version",
        "the log index of the last change of the cluster's metadata this node decides by",
        now.getMetadataVersion()));
    snapshots.add(gauge("raftlimiter_limit_rules", "limit rules in force",
        now.getLimitRules()));
    snapshots.add(gauge("raftlimiter_members", "the cluster's members", now.getMembersCount()));
    snapshots.add(gauge("raftlimiter_cluster_replication",
        "the replicas each data group should have (0 before the cluster's shape is recorded)",
        now.getClusterReplication()));
    snapshots.add(gauge("raftlimiter_dead_nodes",
        "members the controller has marked dead", now.getDeadNodesCount()));
    snapshots.add(gauge("raftlimiter_eventual_owed_hits",
        "EVENTUAL hits admitted here and not yet charged to their groups",
        now.getEventualOwedHits()));
    snapshots.add(gauge("raftlimiter_leases", "LEASED leases this node holds", now.getLeases()));
    snapshots.add(gauge("raftlimiter_leased_tokens",
        "tokens this node holds on LEASED leases", now.getLeasedTokens()));
    snapshots.add(gauge("raftlimiter_ready",
        "1 when the node is ready (its groups have leaders and metadata is loaded), else 0",
        Readiness.of(now).ready() ? 1 : 0));
    return new MetricSnapshots(snapshots);
  }

  private static GaugeSnapshot perGroup(NodeStatus status, String name, String help,
      ToDoubleFunction<GroupStatus> value) {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
    for (GroupStatus group : status.getGroupsList()) {
      gauge.dataPoint(GaugeDataPointSnapshot.builder()
          .labels(Labels.of("group", Integer.toString(group.getIndex())))
          .value(value.applyAsDouble(group)).build());
    }
    return gauge.build();
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder().name(name).help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
  }
}
