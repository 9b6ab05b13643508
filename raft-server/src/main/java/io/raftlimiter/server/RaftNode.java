package io.raftlimiter.server;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.peer.v1.ForwarderGrpc;
import io.raftlimiter.api.peer.v1.NodeProbeGrpc;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.api.v1.Routes;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.meta.MetadataStateMachine;
import io.raftlimiter.server.api.BucketOperations;
import io.raftlimiter.server.api.Decisions;
import io.raftlimiter.server.api.EnvoyRateLimitService;
import io.raftlimiter.server.api.HttpJsonApi;
import io.raftlimiter.server.api.InvalidMessages;
import io.raftlimiter.server.api.LimitAdmin;
import io.raftlimiter.server.api.OperatorLimit;
import io.raftlimiter.server.api.NodeAdminService;
import io.raftlimiter.server.api.RateLimiterService;
import io.raftlimiter.server.api.RequestValidator;
import io.raftlimiter.server.api.RouteHintInterceptor;
import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.config.SubjectPatterns;
import io.raftlimiter.server.control.FoundingCheck;
import io.raftlimiter.server.control.FoundingWait;
import io.raftlimiter.server.control.LeaderBalancer;
import io.raftlimiter.server.control.LeadershipHandover;
import io.raftlimiter.server.control.LocalReplicas;
import io.raftlimiter.server.control.MetadataClient;
import io.raftlimiter.server.control.NodeProbeService;
import io.raftlimiter.server.control.PeerProbe;
import io.raftlimiter.server.control.ReplicaController;
import io.raftlimiter.server.control.StorageIdentity;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.data.DataGroups;
import io.raftlimiter.server.data.RaftEntrySubmitter;
import io.raftlimiter.server.data.RaftTuning;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.forward.ForwardService;
import io.raftlimiter.server.decide.StrongDecider;
import io.raftlimiter.server.decide.eventual.EventualDecider;
import io.raftlimiter.server.decide.lease.LeasedDecider;
import io.raftlimiter.server.envoy.DescriptorConfig;
import io.raftlimiter.server.envoy.DescriptorConfigException;
import io.raftlimiter.server.envoy.DescriptorConfigWatcher;
import io.raftlimiter.server.ops.AuditLog;
import io.raftlimiter.server.ops.MetricsMBean;
import io.raftlimiter.server.ops.OpsHttpServer;
import io.raftlimiter.server.ops.RatisCollector;
import io.raftlimiter.server.ops.Readiness;
import io.raftlimiter.server.ops.RpcMetrics;
import io.raftlimiter.server.ops.StatusCollector;
import io.raftlimiter.server.ops.StatusPage;
import io.raftlimiter.server.ops.StorageCollector;
import io.raftlimiter.server.runtime.CommonPool;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.runtime.LimitLabel;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.runtime.OwnerOnly;
import io.raftlimiter.server.security.AdminTokenFile;
import io.raftlimiter.server.security.CallerRoles;
import io.raftlimiter.server.security.NodeTransport;
import io.raftlimiter.statemachine.RateLimiterStateMachine;
import io.raftlimiter.statemachine.TimeSource;
import io.raftlimiter.store.RocksDbMemory;
import io.raftlimiter.store.WriteBehindBucketStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.management.JMException;
import javax.management.ObjectName;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One raftlimiter node. It only wires the planes together, each a package of its own:
 * <ul>
 *   <li>{@code server.data}: the data groups, their committers, routing keys to groups, and
 *       reaching a group's leader ({@link DataGroups});
 *   <li>{@code server.control}: the metadata group ({@link MetadataClient}), the replica planner
 *       and the controller that carries its steps out, and the leader balancer;
 *   <li>{@code server.decide}: a {@code Decider} per consistency mode: STRONG through the
 *       owning group's log, LEASED and EVENTUAL on this node;
 *   <li>{@code server.api}: {@code Decisions}, the one decide path, and the front ends that
 *       translate to it (gRPC, HTTP/JSON, Envoy's protocol).
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

  private final NodeConfig config;
  /** Set when {@link #close} starts: the node reports not ready from then on. */
  private volatile boolean stopping;
  private final NodeMetrics metrics;
  private final RaftServer raftServer;
  private final DataGroups groups;
  private final MetadataClient metadata;
  private final ReplicaController controller;
  private final LeaderBalancer balancer;
  private final EventualDecider eventual;
  private final LeasedDecider leased;
  private final Server grpcServer;
  private final long startedAtMillis = System.currentTimeMillis();
  private final StorageIdentity storage;
  private final NodeStatusReport report;
  private final NodeTransport transport;
  /** How this node asks others what they host: the controller's and the founding checks' probe. */
  private final PeerProbe probe = new ProbeWithStatusFallback();
  /** The bucket stores' shared RocksDB cache and memtable budget. */
  private final RocksDbMemory storeMemory;
  private final HealthStatusManager health = notServingYet();
  /** Every change an operator asked of the cluster through this node. */
  private final AuditLog audit = new AuditLog(Clock.systemUTC());
  private ScheduledExecutorService healthTimer;
  private OpsHttpServer ops;
  /** The node's metrics over JMX, or null when {@code metrics.jmx} is off. */
  private ObjectName jmx;
  private DescriptorConfigWatcher envoyLimits;
  /** Null unless this is a founding start. */
  private FoundingWait founding;
  private static final AtomicBoolean RATIS_JMX = new AtomicBoolean();

  private RaftNode(NodeConfig config) throws IOException {
    this.config = config;
    this.metrics = new NodeMetrics();
    int cacheMb = config.get(NodeConfigKeys.STORAGE_CACHE_MB);
    int memtableMb = config.get(NodeConfigKeys.STORAGE_MEMTABLE_MB);
    if (memtableMb > cacheMb) {
      throw new IllegalArgumentException(NodeConfigKeys.STORAGE_MEMTABLE_MB.name() + "="
          + memtableMb + " must be at most " + NodeConfigKeys.STORAGE_CACHE_MB.name() + "="
          + cacheMb + ": memtables are charged to the cache");
    }
    CounterDataPoint taskFailures = metrics.taskFailures();
    // First: a bad file stops the node before it formats storage or founds a group.
    Supplier<DescriptorConfig> envoyConfig = envoyDescriptorConfig(taskFailures);
    Path dataDir = config.get(NodeConfigKeys.DATA_DIR);
    try {
      OwnerOnly.directory(dataDir);
      this.storage = StorageIdentity.open(dataDir);
      this.transport = NodeTransport.open(config, metrics);
    } catch (IOException | RuntimeException e) {
      if (envoyLimits != null) {
        envoyLimits.close();
      }
      throw e;
    }
    RocksDbMemory memory = new RocksDbMemory((long) cacheMb << 20, (long) memtableMb << 20);
    this.storeMemory = memory;
    int retained = config.get(NodeConfigKeys.SNAPSHOTS_RETAINED);
    long skewAllowanceNanos =
        TimeUnit.MILLISECONDS.toNanos(config.get(NodeConfigKeys.CLOCK_SKEW_ALLOWANCE_MS));
    // No group at build time: Ratis recovers the groups found in storage, and the node then joins
    // the groups of its placement that it does not host yet.
    this.raftServer = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.nodeId()))
        .setProperties(RaftTuning.serverProperties(config))
        .setParameters(transport.ratis())
        .setStateMachineRegistry(groupId -> groupId.equals(ClusterGroups.metaGroupId())
            ? new MetadataStateMachine()
            : new RateLimiterStateMachine(TimeSource.system(), retained,
                WriteBehindBucketStore.DEFAULT_MAX_PENDING_KEYS, skewAllowanceNanos, memory))
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
            config.get(NodeConfigKeys.LEADER_BALANCE_SETTLE_MS), 2L * electionMin, taskFailures);
    BucketLimit defaultLimit = config.defaultLimit();
    OperatorLimit byDefault = new OperatorLimit(defaultLimit, LimitLabel.DEFAULT, false);
    RequestValidator validator = new RequestValidator(key -> {
      LimitRules.Rule rule = metadata.rules().ruleFor(key);
      return rule == null ? byDefault
          : new OperatorLimit(rule.limit(), LimitLabel.rule(rule.prefix()), rule.shadow());
    }, config.get(NodeConfigKeys.DEFAULT_CONSISTENCY),
        config.get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE));
    this.eventual = new EventualDecider(groups, config.get(NodeConfigKeys.EVENTUAL_SYNC_INTERVAL_MS),
        config.get(NodeConfigKeys.EVENTUAL_SYNC_MAX_KEYS),
        config.get(NodeConfigKeys.EVENTUAL_MAX_STALENESS_MS),
        config.get(NodeConfigKeys.EVENTUAL_MAX_VIEWS),
        config.get(NodeConfigKeys.EVENTUAL_MAX_VIEW_BYTES), metrics);
    AtomicInteger members = new AtomicInteger(config.peers().size());
    metadata.onChange(known -> members.set(Math.max(1, known.memberIds().size())));
    this.leased = new LeasedDecider(groups, members::get,
        config.get(NodeConfigKeys.LEASE_HOT_HITS_PER_SECOND),
        config.get(NodeConfigKeys.LEASE_IDLE_MS), metrics);
    PeerAddress self = config.self();
    LocalReplicas replicas = new LocalReplicas(raftServer, () -> groups.all().size());
    this.report = new NodeStatusReport(config, metrics, raftServer, groups, metadata, eventual,
        leased, storage, replicas, startedAtMillis);
    CallerRoles roles = callerRoles();
    StrongDecider strong = new StrongDecider(groups, ops -> {
      metrics.forwarded(ops);
      RouteHintInterceptor.markForwarded();
    });
    Decisions decisions = new Decisions(validator, Map.of(ConsistencyMode.STRONG, strong,
        ConsistencyMode.EVENTUAL, eventual, ConsistencyMode.LEASED, leased), metrics,
        metadata::shapeMismatch, config.get(NodeConfigKeys.LIMIT_SHADOW).equals("true"));
    this.grpcServer = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.bindHost(), self.clientPort()),
            transport.clientPort())
        .directExecutor() // handlers never block: they queue and return
        .maxInboundMessageSize(RequestValidator.MAX_REQUEST_BYTES)
        .intercept(new RpcMetrics(metrics.prometheus())) // outermost: refusals count too
        .addService(InvalidMessages.rejectedAsInvalidArgument(ServerInterceptors.intercept(
            new RateLimiterService(decisions, this::routes), new RouteHintInterceptor(), roles),
            metrics::invalidRequest))
        .addService(InvalidMessages.rejectedAsInvalidArgument(ServerInterceptors.intercept(
            new NodeAdminService(this::status, this::view, limitAdmin(), this::drain,
                new BucketOperations(groups, metadata::rules, defaultLimit), audit), roles),
            metrics::invalidRequest))
        .addService(InvalidMessages.rejectedAsInvalidArgument(ServerInterceptors.intercept(
            new ForwardService(groups.forwardTarget()), roles), metrics::invalidRequest))
        .addService(InvalidMessages.rejectedAsInvalidArgument(ServerInterceptors.intercept(
            new NodeProbeService(config.nodeId(), storage, config.peers(),
                () -> metadata.current().membership().storageIds(), replicas::all), roles),
            metrics::invalidRequest))
        .addService(InvalidMessages.rejectedAsInvalidArgument(ServerInterceptors.intercept(
            new EnvoyRateLimitService(decisions, envoyConfig,
                config.get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE), metrics::shadowRefused,
                config.get(NodeConfigKeys.ENVOY_CONSISTENCY)).bindService(), roles),
            metrics::invalidRequest))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build();
    try {
      grpcServer.start();
    } catch (IOException e) {
      closeQuietly();
      throw new IOException("cannot listen on " + config.bindHost() + ":" + self.clientPort()
          + ": " + e.getMessage(), e);
    }
    // Counts, so counters (a replica that leaves takes its share: Prometheus reads a reset)
    metrics.counterOf("raftlimiter_time_stamps_clamped",
        "entry stamps this node's replicas raised to the last applied stamp",
        () -> report.dataStateMachines().mapToLong(RateLimiterStateMachine::clampedStamps).sum());
    metrics.counterOf("raftlimiter_dedup_forgotten_early",
        "outcomes of ops with ids forgotten before their window ended (the table was full)",
        () -> report.dataStateMachines()
            .mapToLong(RateLimiterStateMachine::recentOpsForgottenEarly).sum());
    metrics.gauge("raftlimiter_time_clock_skew_max_ms",
        "the largest gap, over this node's groups, between a leader's stamps and its wall clock",
        () -> report.dataStateMachines()
            .mapToLong(sm -> Math.abs(TimeUnit.NANOSECONDS.toMillis(sm.clockSkewNanos())))
            .max().orElse(0));
    // 1 while the node runs without TLS (allowed only by security.allow-insecure=true), so
    // that an insecure node shows on a dashboard and not only in its first log lines.
    metrics.gauge("raftlimiter_security_insecure", "1 while this node runs without TLS",
        () -> transport.secure() ? 0 : 1);
    try {
      startGroups(taskFailures);
    } catch (IOException | RuntimeException e) {
      closeQuietly();
      throw e;
    }
    startOperations(taskFailures, decisions);
    if (!transport.secure()) {
      LOG.warn("INSECURE: node {} runs with security.allow-insecure=true: {}; set up TLS (see "
          + "docs/SECURITY.md) for anything but a local test", config.nodeId(),
          config.openWithoutTls());
    }
    if (CommonPool.threadPerTask()) {
      LOG.warn("node {}: {}", config.nodeId(), CommonPool.threadPerTaskWarning());
    }
    LOG.info("node {} serving clients on {}, raft on {} ({}), hosting {} of {} groups",
        config.nodeId(), self.clientAddress(), self.raftAddress(),
        transport.secure() ? "TLS; mutual TLS for nodes" : "plaintext", groups.local().size(),
        groups.all().size());
  }

  /**
   * Founds this node's groups if this is a founding member's first start and the cluster is new
   * ({@link FoundingWait}, {@link FoundingCheck}), then starts following the metadata. Runs once
   * the client port listens: nodes started together learn from each other's status whether the
   * cluster is new, and a node started first must not wait for peers that are started after it.
   * A restart, a joining node and a node that lost its disk found nothing.
   */
  private void startGroups(CounterDataPoint taskFailures) throws IOException {
    long refreshMillis = config.get(NodeConfigKeys.METADATA_REFRESH_INTERVAL_MS);
    if (!storage.created() || raftServer.getGroupIds().iterator().hasNext()
        || config.get(NodeConfigKeys.JOIN).equals("true")) {
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
   * Who may make which call on the client port ({@link CallerRoles}): the calls that change the
   * cluster need the admin role, forwarding and the control plane's probe need a node's
   * certificate; decisions carry their caller's certificate subject, which scopes their request
   * ids.
   */
  private CallerRoles callerRoles() {
    Path tokenFile = config.get(NodeConfigKeys.ADMIN_TOKEN_FILE);
    return new CallerRoles(Map.of(
        NodeAdminGrpc.getSetLimitMethod().getFullMethodName(), CallerRoles.Role.ADMIN,
        NodeAdminGrpc.getRemoveLimitMethod().getFullMethodName(), CallerRoles.Role.ADMIN,
        NodeAdminGrpc.getDrainMethod().getFullMethodName(), CallerRoles.Role.ADMIN,
        NodeAdminGrpc.getReplaceLimitsMethod().getFullMethodName(), CallerRoles.Role.ADMIN,
        NodeAdminGrpc.getResetBucketMethod().getFullMethodName(), CallerRoles.Role.ADMIN,
        ForwarderGrpc.getForwardMethod().getFullMethodName(), CallerRoles.Role.NODE,
        NodeProbeGrpc.getProbeMethod().getFullMethodName(), CallerRoles.Role.NODE),
        tokenFile == null ? null : new AdminTokenFile(tokenFile),
        SubjectPatterns.parse(config.get(NodeConfigKeys.ADMIN_SUBJECTS)),
        SubjectPatterns.parse(config.get(NodeConfigKeys.NODE_SUBJECTS)), transport.secure());
  }

  /**
   * Health and metrics: {@code grpc.health.v1.Health} on the client port (SERVING while
   * {@link Readiness} holds, checked every second), and with {@code node.http-port} the HTTP
   * listener ({@link OpsHttpServer}) with the node's Prometheus registry, to which the JVM's
   * metrics, Ratis' and the status are added.
   */
  private void startOperations(CounterDataPoint taskFailures, Decisions decisions)
      throws IOException {
    healthTimer = DaemonThreads.timer(config.nodeId() + "-health");
    DaemonThreads.every(healthTimer, "health", 0, 1_000, TimeUnit.MILLISECONDS, taskFailures,
        () -> {
          HealthCheckResponse.ServingStatus serving = readiness().ready()
              ? HealthCheckResponse.ServingStatus.SERVING
              : HealthCheckResponse.ServingStatus.NOT_SERVING;
          health.setStatus("", serving);
          health.setStatus(RateLimiterGrpc.SERVICE_NAME, serving);
        });
    if (config.get(NodeConfigKeys.METRICS_JMX).equals("true")) {
      ObjectName name = MetricsMBean.name(config.nodeId());
      try {
        ManagementFactory.getPlatformMBeanServer().registerMBean(
            new MetricsMBean(metrics.prometheus()), name);
        jmx = name;
      } catch (JMException e) {
        LOG.warn("node {}: its metrics are not on JMX: {}", config.nodeId(), e.toString());
      }
      if (RATIS_JMX.compareAndSet(false, true)) {
        MetricRegistries.global().enableJmxReporter(); // Ratis' own: one registry per process
      }
    }
    Integer httpPort = config.get(NodeConfigKeys.HTTP_PORT);
    if (httpPort == null) {
      return;
    }
    PrometheusRegistry prometheus = metrics.prometheus();
    prometheus.register(new StatusCollector(this::status));
    prometheus.register(new RatisCollector(config.nodeId(),
        () -> metadata.current().memberIds()));
    prometheus.register(new StorageCollector(config.get(NodeConfigKeys.DATA_DIR)));
    try {
      ops = OpsHttpServer.start(config.bindHost(), httpPort, prometheus,
          this::readiness, transport.httpListener());
    } catch (IOException e) {
      closeQuietly();
      throw new IOException("cannot listen on " + config.bindHost() + ":"
          + httpPort + " (node.http-port): " + e.getMessage(), e);
    }
    // On a TLS node the listener runs HTTPS, and decisions need what the client port needs.
    HttpJsonApi json = new HttpJsonApi(decisions, ops.executor(),
        exchange -> transport.httpCallerVerified(OpsHttpServer.verifiedPeer(exchange)));
    ops.post("/v1/acquire", json::acquire);
    ops.post("/v1/acquire-batch", json::acquireBatch);
    // The status page: open to whoever may read /metrics, as it shows no more than they do.
    StatusPage page = StatusPage.load();
    ops.get("/ui", "text/html; charset=utf-8",
        Map.of("Content-Security-Policy", page.contentSecurityPolicy()), page::html);
    ops.get("/ui/data", "application/json", Map.of("Cache-Control", "no-store"),
        () -> StatusPage.json(statusSnapshot()).getBytes(StandardCharsets.UTF_8));
  }

  /** What the status page shows now. */
  private StatusPage.Snapshot statusSnapshot() {
    List<StatusPage.ModeCounts> decided = new ArrayList<>();
    for (ConsistencyMode mode : ConsistencyMode.values()) {
      decided.add(new StatusPage.ModeCounts(mode.name().toLowerCase(Locale.ROOT),
          metrics.decisions(mode, true), metrics.decisions(mode, false)));
    }
    return new StatusPage.Snapshot(Instant.now(), status(), view(),
        metadata.current().membership().replicas(), decided, metrics.shedCount(),
        metrics.shadowRefusedCount(), audit.recent());
  }

  /** gRPC health starts SERVING; a node is not until {@link Readiness} says so. */
  private static HealthStatusManager notServingYet() {
    HealthStatusManager manager = new HealthStatusManager();
    manager.setStatus("", HealthCheckResponse.ServingStatus.NOT_SERVING);
    return manager;
  }

  /** Whether this node serves: its groups have leaders, and the metadata is loaded. */
  public Readiness readiness() {
    return stopping ? new Readiness(false, List.of("the node is stopping"))
        : Readiness.of(status());
  }

  /** The port of the HTTP listener, or -1 when there is none. */
  public int httpPort() {
    return ops == null ? -1 : ops.port();
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

  /** The changes operators asked of the cluster through this node. */
  public AuditLog audit() {
    return audit;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** The id of data group 0 (the only one in a single-group cluster). */
  public RaftGroupId groupId() {
    return groups.all().get(0).getGroupId();
  }

  /** Whether this node leads data group 0 now. */
  public boolean isLeader() {
    return isLeader(0);
  }

  /** Whether this node leads data group {@code index} now. */
  public boolean isLeader(int index) {
    return groups.leads(index);
  }

  /**
   * Hands the leadership of data group {@code index} to node {@code target} (a replica of it) and
   * waits up to {@code timeout} for it to take over. Calls in flight meanwhile are not failed: an
   * entry refused by the outgoing leader follows the leadership (see {@link LeaderRedirect}).
   *
   * @return whether {@code target} leads the group now; false when the transfer did not take
   *     (an election chose another leader meanwhile, the target lagged or timed out)
   */
  public boolean transferLeadership(int index, String target, Duration timeout) throws IOException {
    try {
      return groups.client(index).admin()
          .transferLeadership(RaftPeerId.valueOf(target), timeout.toMillis()).isSuccess();
    } catch (TransferLeadershipException e) {
      LOG.info("node {}: leadership of group {} not handed to {}: {}", id(), index, target,
          e.getMessage());
      return false;
    }
  }

  private LimitAdmin limitAdmin() {
    return new LimitAdmin() {
      @Override
      public CompletableFuture<MetaReply> setRule(String prefix, BucketLimit limit,
          boolean shadow) {
        return metadata.submit(new MetaCommand.SetRule(prefix, limit, shadow));
      }

      @Override
      public CompletableFuture<MetaReply> removeRule(String prefix) {
        return metadata.submit(new MetaCommand.RemoveRule(prefix));
      }

      @Override
      public CompletableFuture<MetaReply> rules() {
        return metadata.read();
      }

      @Override
      public CompletableFuture<MetaReply> replaceRules(LimitRules rules, String expectedDigest) {
        return metadata.submit(new MetaCommand.ReplaceRules(rules, expectedDigest));
      }

      @Override
      public LimitRules current() {
        return metadata.rules();
      }
    };
  }

  /**
   * Marks {@code node} leaving, so that the controller drains it (the metadata group's replica
   * too, onto another member) and then removes it.
   */
  private CompletableFuture<MetaReply> drain(String node) {
    if (!metadata.current().members().containsKey(node)) {
      throw new IllegalArgumentException(node + " is not a member of the cluster");
    }
    return metadata.submit(new MetaCommand.SetLeaving(node, true));
  }

  /** The cluster metadata this node decides by now (its cached copy). */
  public ClusterMetadata metadata() {
    return metadata.current();
  }

  /** Where each group's leader takes clients, as far as this node knows. */
  public Routes routes() {
    Routes.Builder routes = Routes.newBuilder().setGroups(groups.all().size());
    for (int index = 0; index < groups.all().size(); index++) {
      routes.addLeaderAddresses(groups.leaderClientAddress(index));
    }
    return routes.build();
  }

  /** {@link #routes()} for operators ({@code admin.v1.View}, which rlctl shows). */
  public ClusterView view() {
    Routes routes = routes();
    return ClusterView.newBuilder().setGroups(routes.getGroups())
        .addAllLeaderAddresses(routes.getLeaderAddressesList()).build();
  }

  /** The state machine of this node's replica of data group 0. */
  public RateLimiterStateMachine stateMachine() throws IOException {
    return stateMachine(0);
  }

  /** The state machine of this node's replica of data group {@code index}. */
  public RateLimiterStateMachine stateMachine(int index) throws IOException {
    return (RateLimiterStateMachine) raftServer.getDivision(groups.all().get(index).getGroupId())
        .getStateMachine();
  }

  public RaftServer raftServer() {
    return raftServer;
  }

  /** What this node reports of itself: the answer to {@code NodeAdmin.Status}. */
  public NodeStatus status() {
    return report.status();
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
    if (healthTimer != null) {
      health.setStatus("", HealthCheckResponse.ServingStatus.NOT_SERVING);
      health.setStatus(RateLimiterGrpc.SERVICE_NAME, HealthCheckResponse.ServingStatus.NOT_SERVING);
    }
    int graceMillis = config.get(NodeConfigKeys.SHUTDOWN_GRACE_MS);
    if (graceMillis > 0) {
      try {
        Thread.sleep(graceMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (balancer != null) {
      balancer.close(); // no leadership handed back to this node while it stops
    }
    if (controller != null) {
      controller.close();
    }
    int electionMin = config.get(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS);
    LeadershipHandover.handOver(raftServer, ClusterGroups.metaGroupId(), electionMin,
        2L * config.get(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS));
    closeQuietly();
  }

  /** Tokens this node holds on lease (LEASED), over all keys. */
  public long leasedTokens() {
    return leased.leasedTokens();
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
   * The descriptor limits of {@code envoy.config}, watched for changes; none when it is unset.
   *
   * @throws ConfigException when the files cannot be read or used
   */
  private Supplier<DescriptorConfig> envoyDescriptorConfig(CounterDataPoint taskFailures) {
    // Registered (at 0) without Envoy limits too: dashboards and alerts read them on every node.
    CounterDataPoint reloads = metrics.counter(DescriptorConfigWatcher.RELOADS_METRIC,
        "Envoy descriptor configurations reloaded");
    CounterDataPoint reloadFailures = metrics.counter(DescriptorConfigWatcher.RELOAD_FAILURES_METRIC,
        "Envoy descriptor configuration changes refused (the last good one kept)");
    Path location = config.get(NodeConfigKeys.ENVOY_CONFIG);
    if (location == null) {
      return () -> DescriptorConfig.EMPTY;
    }
    try {
      envoyLimits = DescriptorConfigWatcher.open(location,
          config.get(NodeConfigKeys.ENVOY_CONFIG_RELOAD_INTERVAL_MS),
          reloads, reloadFailures, taskFailures);
      return envoyLimits;
    } catch (IOException | DescriptorConfigException e) {
      throw new ConfigException("envoy.config: " + e.getMessage());
    }
  }

  /**
   * Refuses new calls first, then closes Raft under the calls in flight so that each is answered
   * (UNAVAILABLE if its entry did not commit, which a client retries on another node); cutting
   * them off with {@code shutdownNow} would answer CANCELLED, which a client must not retry.
   */
  private void closeQuietly() {
    if (envoyLimits != null) {
      envoyLimits.close();
    }
    if (healthTimer != null) {
      healthTimer.shutdownNow();
      health.enterTerminalState();
    }
    if (ops != null) {
      ops.close();
    }
    if (jmx != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(jmx);
      } catch (JMException e) {
        LOG.debug("node {}: {}", config.nodeId(), e.toString());
      }
    }
    if (founding != null) {
      founding.close();
    }
    if (controller != null) {
      controller.close();
    }
    if (balancer != null) {
      balancer.close();
    }
    if (grpcServer != null) {
      grpcServer.shutdown();
      if (stopping) { // the calls in flight finish while the groups still run
        try {
          grpcServer.awaitTermination(config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS),
              TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    // while the groups still run: charge the EVENTUAL hits owed, give leased tokens back
    if (eventual != null) {
      eventual.close();
    }
    if (leased != null) {
      leased.close();
    }
    if (metadata != null) {
      metadata.close();
    }
    if (groups != null) {
      groups.close();
    }
    try {
      raftServer.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing raft server: {}", e.toString());
    }
    storeMemory.close(); // freed once the last group's store is closed
    if (grpcServer != null) {
      try {
        if (!grpcServer.awaitTermination(5, TimeUnit.SECONDS)) {
          LOG.warn("node {}: client calls still open after Raft closed; cutting them off",
              config.nodeId());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      grpcServer.shutdownNow();
    }
    transport.close();
  }

  /** The peers of data group 0, for tests and tools. */
  public List<RaftPeer> groupPeers() {
    return List.copyOf(groups.all().get(0).getPeers());
  }
}
