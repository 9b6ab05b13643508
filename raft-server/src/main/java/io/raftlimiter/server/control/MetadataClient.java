package io.raftlimiter.server.control;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.meta.ClusterShape;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.meta.MetaCodec;
import io.raftlimiter.meta.MetaCommand;
import io.raftlimiter.meta.MetaOutcome;
import io.raftlimiter.meta.MetaReply;
import io.raftlimiter.meta.MetadataStateMachine;
import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.data.ClusterGroups;
import io.raftlimiter.server.data.LeaderChase;
import io.raftlimiter.server.data.RaftRequestRpc;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.runtime.OwnerOnly;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's end of the metadata group: the cluster's one source of truth for its shape and its
 * limit rules, changed only through that group's log.
 *
 * <p>Every node keeps a cached copy ({@link #current()}) that the request path reads without a
 * lock or a hop. A node holding a replica updates it as its replica applies each change; every
 * node also reads the group every {@code metadata.refresh-interval-ms}, which is how the others
 * learn of changes. The copy only moves forward: a version (log index) older than the cached one
 * is ignored.
 *
 * <p>On its first reads a node records its own idea of the cluster's shape (members, groups,
 * replication) if none is recorded yet, and compares its settings with the recorded one: a node
 * started with a different {@code cluster.groups} would route keys to the wrong groups, so it
 * decides nothing until the comparison is made, and nothing if they differ ({@link ShapeGuard}).
 */
public final class MetadataClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataClient.class);
  /** In the data directory: the metadata group's replicas as this node last learned them. */
  static final String REPLICAS_FILE = "metadata-replicas";

  private final RaftServer server;
  /** The metadata group's replicas as this node last learned them; replaced whole on a move. */
  private volatile RaftGroup group;
  /** Where {@link #group} is kept, so that a restart finds the group after it moved. */
  private final Path replicasFile;
  /** The local replica's state machine this node follows, null while it hosts none. */
  private MetadataStateMachine followed;
  private final ClusterShape ownShape;
  private final boolean joining;
  private final String selfSpec;
  private final RaftRequestRpc rpc;
  private final LeaderChase chase;
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private volatile boolean closed;
  private final AtomicReference<ClusterMetadata> current =
      new AtomicReference<>(ClusterMetadata.EMPTY);
  private final ScheduledExecutorService refresher;
  private final long timeoutMillis;
  private final List<Consumer<ClusterMetadata>> listeners = new CopyOnWriteArrayList<>();
  private final ShapeGuard shapeGuard;
  private volatile String problem = "";
  /** Why {@link #start} has not run yet (a founding node waiting for its peers), or "". */
  private volatile String notStarted = "";
  private final CounterDataPoint taskFailures;

  /**
   * @throws IOException when the shape this node checked against before cannot be read back
   */
  public MetadataClient(NodeConfig config, RaftServer server, CounterDataPoint taskFailures,
      NodeTransport transport) throws IOException {
    this.server = server;
    this.joining = config.get(NodeConfigKeys.JOIN).equals("true");
    this.selfSpec = PeerAddress.format(List.of(config.self()));
    this.replicasFile = config.get(NodeConfigKeys.DATA_DIR).resolve(REPLICAS_FILE);
    // A joining node is never a founding replica of the metadata group.
    RaftGroup founding = ClusterGroups.metaGroup(joining
        ? config.peers().stream().filter(p -> !p.id().equals(config.nodeId())).toList()
        : config.peers());
    this.group = savedReplicas().map(peers -> RaftGroup.valueOf(founding.getGroupId(),
        peers.stream().map(ClusterGroups::raftPeer).toList())).orElse(founding);
    this.ownShape = new ClusterShape(
        config.peers().stream().sorted(Comparator.comparing(PeerAddress::id))
            .map(p -> PeerAddress.format(List.of(p))).toList(),
        config.get(NodeConfigKeys.GROUPS), config.get(NodeConfigKeys.REPLICATION));
    this.shapeGuard = ShapeGuard.load(ownShape,
        config.get(NodeConfigKeys.DATA_DIR).resolve(ShapeGuard.FILE));
    if (shapeGuard.checked() && shapeGuard.refusal() != null) {
      LOG.error("{}: {}; it refuses every decision until then", server.getId(),
          shapeGuard.refusal());
    }
    this.timeoutMillis = config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS);
    this.refresher = DaemonThreads.timer(server.getId() + "-metadata");
    this.taskFailures = taskFailures;
    this.rpc = new RaftRequestRpc(Math.max(100, timeoutMillis / 3), transport);
    // Writes and reads follow the leader like data entries do: a rule change is applied once.
    this.chase = new LeaderChase(server, group, rpc, refresher, () -> closed);
  }

  /**
   * Formats the metadata group's first replica if this node is its founder (the first founding
   * member by id) and this is the founding start, follows the local replica's changes, and
   * starts the periodic refresh.
   *
   * @param formatFounding whether this is a founding member's first start on a cluster its peers
   *     showed to be new ({@code FoundingCheck}): only then is a replica formatted. A node restarted without one (its replica
   *     moved away, or chosen otherwise by an older version, whose id order took "n10" before
   *     "n2") or on a lost disk must not start a metadata group of its own: it reads the
   *     metadata from the replicas that hold it, and the controller gives it one when it should.
   */
  public void start(long refreshIntervalMillis, boolean formatFounding) throws IOException {
    RaftPeer founder = group.getPeers().stream()
        .min(Comparator.comparing(peer -> peer.getId().toString(), NodeIdOrder.INSTANCE))
        .orElseThrow();
    if (formatFounding && founder.getId().equals(server.getId()) && localDivision() == null) {
      // Founded on one replica, which elects itself at once; the controller adds the others one
      // at a time. Founded on three at once, two replicas could elect a leader before the first
      // one's opening entry reached them, and Ratis then lets that first replica take its own
      // entry for committed and refuse the leader's for good (a heartbeat without a previous
      // entry counts index 0 as committed), a replica stuck from the start.
      RaftClientReply reply = server.groupManagement(GroupManagementRequest.newAdd(
          ClientId.randomId(), server.getId(), 1,
          RaftGroup.valueOf(group.getGroupId(), founder)));
      if (!reply.isSuccess()) {
        throw new IOException("cannot join the metadata group: " + reply.getException());
      }
    }
    followLocalReplica();
    DaemonThreads.every(refresher, "metadata refresh", 0, refreshIntervalMillis,
        TimeUnit.MILLISECONDS, taskFailures, this::refresh);
  }

  /** This node's replica of the metadata group; null when it hosts none. */
  private RaftServer.Division localDivision() {
    try {
      return server.getDivision(ClusterGroups.metaGroupId());
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Learns each change the local replica applies as it applies it; called again on every
   * refresh, since the controller may have given this node a replica (or a new one) meanwhile.
   */
  private synchronized void followLocalReplica() {
    RaftServer.Division division = localDivision();
    MetadataStateMachine local =
        division == null ? null : (MetadataStateMachine) division.getStateMachine();
    if (local != null && local != followed) {
      local.onChange(this::offer);
    }
    followed = local;
  }

  /** The replicas saved by {@link #saveReplicas}, if any were. */
  private Optional<List<PeerAddress>> savedReplicas() {
    try {
      if (!Files.exists(replicasFile)) {
        return Optional.empty();
      }
      List<PeerAddress> peers =
          PeerAddress.parseList(Files.readString(replicasFile, StandardCharsets.UTF_8).trim());
      return peers.isEmpty() ? Optional.empty() : Optional.of(peers);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: cannot read {} ({}); looking for the metadata group on the founding "
          + "replicas", server.getId(), replicasFile, e.toString());
      return Optional.empty();
    }
  }

  /** Keeps where the metadata group is, so that a restart finds it after it moved. */
  private void saveReplicas(List<PeerAddress> peers) {
    try {
      OwnerOnly.write(replicasFile, PeerAddress.format(peers) + "\n");
    } catch (IOException e) {
      LOG.warn("{}: cannot save the metadata group's replicas to {}: {}", server.getId(),
          replicasFile, e.toString());
    }
  }

  /** Follows the metadata group to the replicas {@code metadata} records for it. */
  private synchronized void follow(ClusterMetadata metadata) {
    if (metadata.shape() == null) {
      return;
    }
    Map<String, String> members = metadata.members();
    List<String> ids = ClusterGroups.metadataReplicas(metadata);
    if (!members.keySet().containsAll(ids)) {
      return;
    }
    List<PeerAddress> peers = ids.stream().map(id -> PeerAddress.parse(members.get(id))).toList();
    RaftGroup moved = RaftGroup.valueOf(group.getGroupId(),
        peers.stream().map(ClusterGroups::raftPeer).toList());
    if (!List.copyOf(moved.getPeers()).equals(List.copyOf(group.getPeers()))) {
      group = moved;
      chase.place(moved);
      saveReplicas(peers);
      LOG.info("{}: the metadata group is on {}", server.getId(), ids);
    }
  }

  /** Calls {@code listener} with every newer metadata this node learns of. */
  public void onChange(Consumer<ClusterMetadata> listener) {
    listeners.add(listener);
  }

  /** The metadata this node decides by now. */
  public ClusterMetadata current() {
    return current.get();
  }

  /** The limit rules this node decides by now: read on every acquire without a limit. */
  public LimitRules rules() {
    return current.get().rules();
  }

  /**
   * Why this node must not decide, or null: its settings were not compared with the cluster's
   * shape yet, or they differ from it ({@link ShapeGuard}). A node whose {@code cluster.groups}
   * differs from the cluster's maps keys to other groups than its peers do, and could admit a
   * key's tokens twice.
   */
  public String refusalToDecide() {
    return shapeGuard.refusal();
  }

  /** What keeps this node from taking its full part in the cluster, or "" when nothing does. */
  public String problem() {
    String waiting = notStarted;
    if (!waiting.isEmpty()) {
      return waiting;
    }
    String own = problem;
    if (!own.isEmpty()) {
      return own;
    }
    String refusal = shapeGuard.refusal();
    return refusal == null ? "" : "it does not decide: " + refusal;
  }

  /** Says why this node does not follow the metadata yet; "" once it is about to. */
  public void notStartedBecause(String reason) {
    notStarted = reason;
  }

  /** The metadata group's leader as this node's replica knows it; null when it has none. */
  public RaftPeerId leader() {
    RaftServer.Division division = localDivision();
    return division == null ? null : division.getInfo().getLeaderId();
  }

  /**
   * The term in which this node leads the metadata group (and has taken office: its writes are
   * accepted), or -1 when it does not lead it.
   */
  long termIfLeading() {
    RaftServer.Division division = localDivision();
    if (division == null) {
      return -1;
    }
    var info = division.getInfo();
    return info.isLeader() && info.isLeaderReady() ? info.getCurrentTerm() : -1;
  }

  /**
   * Commits {@code command} to the metadata group. Completes with the group's reply (a refusal
   * says why and changed nothing), after which this node already decides by the new metadata;
   * exceptionally when the group could not commit within the request timeout.
   */
  public CompletableFuture<MetaReply> submit(MetaCommand command) {
    return exchange(Message.valueOf(ByteString.copyFrom(MetaCodec.encode(command))),
        RaftClientRequest.writeRequestType()).thenCompose(reply -> {
          String refusedBeforeLogging = refusedBeforeLogging(reply);
          if (refusedBeforeLogging != null) {
            return CompletableFuture.completedFuture(
                new MetaReply(refusedBeforeLogging, current.get()));
          }
          MetaOutcome outcome = MetaCodec.decodeOutcome(
              reply.getMessage().getContent().toByteArray());
          ClusterMetadata known = current.get();
          // The reply says only how far the metadata got; read it unless this node is there.
          return known.version() >= outcome.version()
              ? CompletableFuture.completedFuture(new MetaReply(outcome.refusal(), known))
              : read().thenApply(after -> new MetaReply(outcome.refusal(), after.metadata()));
        });
  }

  /** A linearizable read of the metadata, through the group's leader. */
  public CompletableFuture<MetaReply> read() {
    return send(Message.EMPTY, RaftClientRequest.readRequestType());
  }

  private CompletableFuture<MetaReply> send(Message message, RaftClientRequest.Type type) {
    return exchange(message, type).thenApply(reply -> {
      // Mostly the metadata this node holds already: then it is reused, not decoded again.
      MetaReply decoded = MetaCodec.decodeReply(reply.getMessage().getContent().toByteArray(),
          current.get());
      offer(decoded.metadata());
      return decoded;
    });
  }

  /** Sends {@code message} to the group's leader; the reply, successful or refused before logging. */
  private CompletableFuture<RaftClientReply> exchange(Message message,
      RaftClientRequest.Type type) {
    RaftClientRequest request = RaftClientRequest.newBuilder()
        .setClientId(clientId)
        .setCallId(callIds.incrementAndGet())
        .setServerId(chase.likelyLeader())
        .setGroupId(group.getGroupId())
        .setMessage(message)
        .setType(type)
        .build();
    long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    return chase.submit(request, deadlineNanos)
        .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS).thenApply(reply -> {
          if (refusedBeforeLogging(reply) == null && !reply.isSuccess()) {
            throw new IllegalStateException("metadata group: " + reply.getException(),
                reply.getException());
          }
          return reply;
        });
  }

  /**
   * Why the leader refused the command before logging it ({@code startTransaction}), or null: a
   * refusal like apply's, not a failure to reach the group, so the caller is told why.
   */
  private static String refusedBeforeLogging(RaftClientReply reply) {
    StateMachineException refused = reply.getStateMachineException();
    return refused != null && refused.getCause() instanceof IllegalArgumentException invalid
        ? invalid.getMessage() : null;
  }

  private void offer(ClusterMetadata metadata) {
    ClusterMetadata before = current.getAndAccumulate(metadata,
        (mine, offered) -> offered.version() > mine.version() ? offered : mine);
    if (metadata.version() > before.version()) {
      LOG.debug("{}: metadata version {} with {} limit rules", server.getId(), metadata.version(),
          metadata.rules().size());
      ClusterMetadata now = current.get();
      follow(now);
      listeners.forEach(listener -> listener.accept(now));
    }
  }

  /** Reads the group, and checks the shape until that is done; one refresh at a time. */
  private void refresh() {
    followLocalReplica();
    if (!refreshing.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<MetaReply> read;
    try {
      read = read();
    } catch (RuntimeException e) {
      refreshing.set(false); // else no refresh would ever run again
      throw e;
    }
    read.thenCompose(reply -> shapeGuard.checked() ? CompletableFuture.completedFuture(null)
            : checkShape(reply.metadata()))
        .thenCompose(done -> registerIfNew())
        .whenComplete((done, error) -> {
          refreshing.set(false);
          if (error != null) {
            // no leader right now, or shutting down: the cached copy stays; next time
            LOG.debug("{}: metadata refresh failed: {}", server.getId(), error.toString());
          }
        });
  }

  /** A joining node adds itself to the members once the shape is known (never after removal). */
  private CompletableFuture<Void> registerIfNew() {
    ClusterMetadata known = current.get();
    String self = server.getId().toString();
    if (!joining || known.shape() == null || selfSpec.equals(known.members().get(self))) {
      return CompletableFuture.completedFuture(null);
    }
    if (known.membership().removed().contains(self)) {
      // Drained and removed: it is being stopped; joining again would undo the removal.
      problem = "removed from the cluster";
      return CompletableFuture.completedFuture(null);
    }
    LOG.info("{}: joining the cluster as {}", server.getId(), selfSpec);
    return submit(new MetaCommand.AddMember(selfSpec)).thenAccept(reply -> {
      if (reply.refused()) {
        problem = "cannot join: " + reply.refusal();
        LOG.error("{}: {}", server.getId(), problem);
      }
    });
  }

  private CompletableFuture<Void> checkShape(ClusterMetadata metadata) {
    if (metadata.shape() == null && joining) {
      return CompletableFuture.completedFuture(null); // only founding members record the shape
    }
    CompletableFuture<ClusterShape> recorded = metadata.shape() != null
        ? CompletableFuture.completedFuture(metadata.shape())
        : submit(new MetaCommand.RecordShape(ownShape)).thenApply(r -> r.metadata().shape());
    return recorded.thenAccept(shape -> {
      // Members change as nodes join and leave; the key → group mapping and the replication
      // factor must not.
      String mismatch;
      try {
        mismatch = shapeGuard.check(shape);
      } catch (IOException e) {
        mismatch = shapeGuard.refusal();
        LOG.warn("{}: cannot keep the cluster's shape in the data directory ({}); a restart "
            + "checks it again", server.getId(), e.toString());
      }
      if (mismatch != null) {
        LOG.error("{}: {}; it refuses every decision until then", server.getId(), mismatch);
      }
    });
  }

  @Override
  public void close() {
    closed = true;
    rpc.close();
    refresher.shutdown();
  }
}
