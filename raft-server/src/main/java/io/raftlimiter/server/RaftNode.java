package io.raftlimiter.server;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.server.api.BucketOperations;
import io.raftlimiter.server.api.ClientPort;
import io.raftlimiter.server.api.Decisions;
import io.raftlimiter.server.api.EnvoyRateLimitService;
import io.raftlimiter.server.api.HttpJsonApi;
import io.raftlimiter.server.api.LeaderRoutes;
import io.raftlimiter.server.api.LimitResolver;
import io.raftlimiter.server.api.MetadataAdmin;
import io.raftlimiter.server.api.NodeAdminService;
import io.raftlimiter.server.api.RateLimiterService;
import io.raftlimiter.server.api.RequestValidator;
import io.raftlimiter.server.api.RouteHintInterceptor;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.control.FoundingWait;
import io.raftlimiter.server.control.LeaderBalancer;
import io.raftlimiter.server.control.LeadershipHandover;
import io.raftlimiter.server.control.LocalReplicas;
import io.raftlimiter.server.control.MetadataClient;
import io.raftlimiter.server.control.NodeProbeService;
import io.raftlimiter.server.control.PeerProbe;
import io.raftlimiter.server.control.PeerUptimes;
import io.raftlimiter.server.control.ReplicaController;
import io.raftlimiter.server.control.StorageIdentity;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.data.GroupStateMachines;
import io.raftlimiter.server.data.RaftTuning;
import io.raftlimiter.server.data.forward.ForwardService;
import io.raftlimiter.server.decide.StrongDecider;
import io.raftlimiter.server.decide.eventual.EventualDecider;
import io.raftlimiter.server.decide.lease.LeasedDecider;
import io.raftlimiter.server.envoy.EnvoyLimits;
import io.raftlimiter.server.ops.AuditLog;
import io.raftlimiter.server.ops.NodeOps;
import io.raftlimiter.server.ops.OpsHttpServer;
import io.raftlimiter.server.ops.Readiness;
import io.raftlimiter.server.ops.ServingHealth;
import io.raftlimiter.server.ops.StateMachineMetrics;
import io.raftlimiter.server.runtime.CommonPool;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.runtime.OwnerOnly;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raftlimiter node. It only wires the planes together, each a package of its own: it builds
 * the parts in order, starts them, and closes them in the order {@code closeQuietly} lists.
 * <ul>
 *   <li>{@code server.data}: the data groups, their committers, routing keys to groups, and
 *       reaching a group's leader ({@link DataGroups});
 *   <li>{@code server.control}: the metadata group ({@link MetadataClient}), the replica planner
 *       and the controller that carries its steps out, and the leader balancer;
 *   <li>{@code server.decide}: a {@code Decider} per consistency mode: STRONG through the
 *       owning group's log, LEASED and EVENTUAL on this node;
 *   <li>{@code server.api}: {@code Decisions}, the one decide path, and the front ends that
 *       translate to it (gRPC on the {@link ClientPort}, HTTP/JSON, Envoy's protocol);
 *   <li>{@code server.ops}: gRPC health ({@link ServingHealth}), JMX and the HTTP listener
 *       ({@link NodeOps}).
 * </ul>
 *
 * <pre>
 *   gRPC client ──▶ RateLimiterService ──▶ Decisions ──key──▶ GroupCommitter ──entry──▶ RaftEntrySubmitter
 *                                                                      ├─ leader here: local server
 *                                                                      └─ else: Raft client → leader
 * </pre>
 */
public final class RaftNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);
  /** How long a stopping node waits for the others to say how long they have run. */
  private static final long HEIR_PROBE_TIMEOUT_MILLIS = 250;

  private final NodeConfig config;
  /** Set when {@link #close} starts: the node reports not ready from then on. */
  private volatile boolean stopping;
  private final long startedAtMillis = System.currentTimeMillis();
  private final long startedAtNanos = System.nanoTime();
  private final NodeMetrics metrics = new NodeMetrics();
  /** Every change an operator asked of the cluster through this node. */
  private final AuditLog audit = new AuditLog(Clock.systemUTC());
  /** How this node asks others what they host: the controller's and the founding checks' probe. */
  private final PeerProbe probe = new ProbeWithStatusFallback();
  private final GroupStateMachines stateMachines;
  private final EnvoyLimits envoyLimits;
  private final StorageIdentity storage;
  private final NodeTransport transport;
  private final RaftServer raftServer;
  private final DataGroups groups;
  private final MetadataClient metadata;
  private final ReplicaController controller;
  /** Null when {@code raft.leader-balance-interval-ms} is 0. */
  private final LeaderBalancer balancer;
  private final EventualDecider eventual;
  private final LeasedDecider leased;
  private final NodeStatusReport report;
  /** Registered on the client port as it opens, so it reports NOT_SERVING from the start. */
  private final ServingHealth health = new ServingHealth();
  private final ClientPort clientPort;
  /** Null unless this is a founding start. */
  private FoundingWait founding;
  private final NodeOps ops;

  private RaftNode(NodeConfig config) throws IOException {
    this.config = config;
    // First: a bad setting or file stops the node before it formats storage or founds a group.
    this.stateMachines = GroupStateMachines.open(config);
    try {
      this.envoyLimits = EnvoyLimits.open(config, metrics);
      CounterDataPoint taskFailures = metrics.taskFailures();
      Path dataDir = config.get(NodeConfigKeys.DATA_DIR);
      OwnerOnly.directory(dataDir);
      this.storage = StorageIdentity.open(dataDir);
      this.transport = NodeTransport.open(config, metrics);
      // No group at build time: Ratis recovers the groups found in storage, and the node then
      // joins the groups of its placement that it does not host yet.
      this.raftServer = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.nodeId()))
          .setProperties(RaftTuning.serverProperties(config))
          .setParameters(RaftTuning.serverParameters(config, transport.ratis()))
          .setStateMachineRegistry(stateMachines)
          .build();
      raftServer.start();
      this.groups = new DataGroups(config, raftServer, metrics, transport);
      this.metadata = new MetadataClient(config, raftServer, taskFailures, transport);
      metadata.onChange(groups::place);
      this.controller = new ReplicaController(config, raftServer.getId(), metadata, taskFailures,
          metrics.counter(ReplicaController.MOVES_METRIC,
              "replica moves carried out as the metadata leader"),
          metrics.counter(ReplicaController.FAILED_TICKS_METRIC,
              "controller rounds that failed (retried next tick)"), transport, probe);
      int balanceInterval = config.get(NodeConfigKeys.LEADER_BALANCE_INTERVAL_MS);
      int electionMin = config.get(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS);
      this.balancer = balanceInterval == 0 ? null
          : new LeaderBalancer(raftServer, groups, balanceInterval, electionMin,
              config.get(NodeConfigKeys.LEADER_BALANCE_SETTLE_MS), 2L * electionMin,
              taskFailures);
      RequestValidator validator = new RequestValidator(
          LimitResolver.byRules(metadata::rules, config.defaultLimit()),
          config.get(NodeConfigKeys.DEFAULT_CONSISTENCY),
          config.get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE));
      this.eventual = new EventualDecider(groups,
          config.get(NodeConfigKeys.EVENTUAL_SYNC_INTERVAL_MS),
          config.get(NodeConfigKeys.EVENTUAL_SYNC_MIN_KEYS),
          config.get(NodeConfigKeys.EVENTUAL_SYNC_HELD_INTERVAL_MS),
          config.get(NodeConfigKeys.EVENTUAL_SYNC_MAX_KEYS),
          config.get(NodeConfigKeys.EVENTUAL_MAX_STALENESS_MS),
          config.get(NodeConfigKeys.EVENTUAL_MAX_VIEWS),
          config.get(NodeConfigKeys.EVENTUAL_MAX_VIEW_BYTES),
          "true".equals(config.get(NodeConfigKeys.EVENTUAL_CHARGE_BATCHES)), metrics);
      AtomicInteger members = new AtomicInteger(config.peers().size());
      metadata.onChange(known -> members.set(Math.max(1, known.memberIds().size())));
      this.leased = new LeasedDecider(groups, members::get,
          config.get(NodeConfigKeys.LEASE_HOT_HITS_PER_SECOND),
          config.get(NodeConfigKeys.LEASE_IDLE_MS), config.get(NodeConfigKeys.LEASE_DRAINED_WAIT),
          metrics);
      LocalReplicas replicas = new LocalReplicas(raftServer, () -> groups.all().size());
      this.report = new NodeStatusReport(config, metrics, raftServer, groups, metadata, eventual,
          leased, storage, replicas, startedAtMillis);
      StrongDecider strong = new StrongDecider(groups, forwardedOps -> {
        metrics.forwarded(forwardedOps);
        RouteHintInterceptor.markForwarded();
      });
      Decisions decisions = new Decisions(validator, Map.of(ConsistencyMode.STRONG, strong,
          ConsistencyMode.EVENTUAL, eventual, ConsistencyMode.LEASED, leased), metrics,
          metadata::refusalToDecide, config.get(NodeConfigKeys.LIMIT_SHADOW).equals("true"));
      LeaderRoutes routes = new LeaderRoutes(groups);
      MetadataAdmin admin = new MetadataAdmin(metadata);
      this.clientPort = ClientPort.start(config, transport, metrics,
          new RateLimiterService(decisions, routes::routes), List.of(
              new NodeAdminService(this::status, routes::view, admin, admin,
                  new BucketOperations(groups, metadata::rules, config.defaultLimit()), audit),
              new ForwardService(groups.forwardTarget()),
              new NodeProbeService(config.nodeId(), storage, config.peers(),
                  () -> metadata.current().membership().storageIds(), replicas::all,
                  () -> (System.nanoTime() - startedAtNanos) / 1_000_000),
              new EnvoyRateLimitService(decisions, envoyLimits,
                  config.get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE), metrics::shadowRefused,
                  config.get(NodeConfigKeys.ENVOY_CONSISTENCY))),
          health.service());
      StateMachineMetrics.register(metrics, report::dataStateMachines);
      startGroups(taskFailures);
      health.follow(config.nodeId(), this::readiness, taskFailures);
      this.ops = NodeOps.start(config, metrics, transport.httpListener(), this::readiness,
          this::status, routes::view, metadata, audit);
      ops.http().ifPresent(http -> HttpJsonApi.serveOn(http, decisions, transport));
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    if (!transport.secure()) {
      LOG.warn("INSECURE: node {} runs with security.allow-insecure=true: {}; set up TLS (see "
          + "docs/SECURITY.md) for anything but a local test", config.nodeId(),
          config.openWithoutTls());
    }
    if (CommonPool.threadPerTask()) {
      LOG.warn("node {}: {}", config.nodeId(), CommonPool.threadPerTaskWarning());
    }
    LOG.info("node {} serving clients on {}, raft on {} ({}), hosting {} of {} groups",
        config.nodeId(), config.self().clientAddress(), config.self().raftAddress(),
        transport.secure() ? "TLS; mutual TLS for nodes" : "plaintext", groups.local().size(),
        groups.all().size());
  }

  /**
   * Founds this node's groups if this is a founding member's first start and the cluster is new
   * ({@link FoundingWait}), then starts following the metadata. Runs once the client port
   * listens: nodes started together learn from each other's status whether the cluster is new,
   * and a node started first must not wait for peers that are started after it.
   */
  private void startGroups(CounterDataPoint taskFailures) throws IOException {
    long refreshMillis = config.get(NodeConfigKeys.METADATA_REFRESH_INTERVAL_MS);
    if (!FoundingWait.isFoundingStart(config, storage, raftServer)) {
      metadata.start(refreshMillis, false);
      return;
    }
    founding = FoundingWait.start(config.nodeId(), config.peers(), transport, probe, taskFailures,
        found -> {
          groups.joinLocalGroups(found);
          metadata.start(refreshMillis, found);
        }, metadata::notStartedBecause);
  }

  /**
   * Starts a node; returns once both its ports listen (its groups may still elect leaders, and a
   * node on its founding start may still wait for a majority of its peers before it founds).
   */
  public static RaftNode start(NodeConfig config) throws IOException {
    return new RaftNode(config);
  }

  public String id() {
    return config.nodeId();
  }

  public NodeConfig config() {
    return config;
  }

  public String clientAddress() {
    return config.self().clientAddress();
  }

  /** What this node reports of itself: the answer to {@code NodeAdmin.Status}. */
  public NodeStatus status() {
    return report.status();
  }

  /** Whether this node serves: its groups have leaders, and the metadata is loaded. */
  public Readiness readiness() {
    return stopping ? new Readiness(false, List.of("the node is stopping"))
        : Readiness.of(status());
  }

  /**
   * Why this node answers every decision {@code UNAVAILABLE} now (its settings are not yet
   * compared with the cluster's shape, or differ from it), or null when it decides.
   */
  public String refusalToDecide() {
    return metadata.refusalToDecide();
  }

  /** The cluster metadata this node decides by now (its cached copy). */
  public ClusterMetadata metadata() {
    return metadata.current();
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** The changes operators asked of the cluster through this node. */
  public AuditLog audit() {
    return audit;
  }

  /** The port of the HTTP listener, or -1 when there is none. */
  public int httpPort() {
    return ops.http().map(OpsHttpServer::port).orElse(-1);
  }

  /** Its Raft server and data groups, for tests and the in-process harness. */
  public NodeInternals internals() {
    return new NodeInternals(raftServer, groups);
  }

  /**
   * Stops the node without a blip for its callers: it reports not ready at once (gRPC health,
   * {@code /readyz}) and goes on serving for {@code node.shutdown-grace-ms}, so that load
   * balancers move away; then it stops moving replicas and leaders, hands the leadership of
   * each group it leads to a follower that keeps up ({@link LeadershipHandover}), lets the calls
   * in flight finish, and closes.
   */
  @Override
  public void close() {
    LOG.info("node {} stopping", config.nodeId());
    stopping = true;
    health.stopping();
    PeerUptimes uptimes = PeerUptimes.ask(config.nodeId(), members(), transport, probe,
        HEIR_PROBE_TIMEOUT_MILLIS);
    int graceMillis = config.get(NodeConfigKeys.SHUTDOWN_GRACE_MS);
    if (graceMillis > 0) {
      try {
        Thread.sleep(graceMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // No leadership handed back to this node, and no replica moved, while it stops.
    closeInOrder(balancer, controller);
    LeadershipHandover.handOver(raftServer, ClusterGroups.metaGroupId(),
        uptimes.await(HEIR_PROBE_TIMEOUT_MILLIS),
        config.get(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS),
        2L * config.get(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS));
    closeQuietly();
  }

  /** The cluster's members as this node's metadata knows them, else its {@code cluster.peers}. */
  private List<PeerAddress> members() {
    try {
      Map<String, PeerAddress> members = ReplicaController.members(metadata.current());
      if (!members.isEmpty()) {
        return List.copyOf(members.values());
      }
    } catch (RuntimeException e) {
      LOG.debug("node {}: members not known from the metadata: {}", config.nodeId(), e.toString());
    }
    return config.peers();
  }

  /**
   * Stops the node at once, without the grace period or the hand-over of {@link #close}: its
   * peers learn of it by silence and elect new leaders, as after a crash, though what it owed
   * its groups (EVENTUAL hits, leases) is settled first. For tests of failover.
   */
  public void closeAbruptly() {
    LOG.info("node {} stopping at once", config.nodeId());
    closeQuietly();
  }

  /**
   * Stops as a killed process would as far as the consistency modes go: EVENTUAL hits not yet
   * charged are lost and leased tokens are not given back. For tests of what a crash costs.
   */
  public void crash() {
    LOG.info("node {} crashing (test)", config.nodeId());
    eventual.abandon();
    leased.abandon();
    closeQuietly();
  }

  /**
   * Closes the parts in this order. The client port refuses new calls first, then Raft closes
   * under the calls in flight so that each is answered (UNAVAILABLE if its entry did not commit,
   * which a client retries on another node); cutting them off with {@code shutdownNow} would
   * answer CANCELLED, which a client must not retry. Also ends a start that failed: the parts it
   * did not get to are still null.
   */
  private void closeQuietly() {
    closeInOrder(
        envoyLimits,
        health,
        ops,
        founding,
        controller,
        balancer,
        // on a graceful stop the calls in flight finish while the groups still run
        clientPort == null ? null : () -> clientPort.refuseNewCalls(
            stopping ? config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS) : 0),
        // while the groups still run: charge the EVENTUAL hits owed, give leased tokens back
        eventual,
        leased,
        metadata,
        groups,
        raftServer,
        stateMachines, // frees the stores' memory once the last group's store is closed
        clientPort, // cuts off the calls still open once Raft has closed
        transport);
  }

  /** Closes each part that was started (null: not), in order; one that fails stops no other. */
  private void closeInOrder(AutoCloseable... parts) {
    for (AutoCloseable part : parts) {
      if (part == null) {
        continue;
      }
      try {
        part.close();
      } catch (Exception e) {
        LOG.warn("node {}: closing {}: {}", config.nodeId(), part.getClass().getSimpleName(),
            e.toString());
      }
    }
  }
}
