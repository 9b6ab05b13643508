package io.raftlimiter.server.config;

import java.nio.file.Path;
import java.util.List;

/** Every setting of a node, grouped by concern, with its default and allowed range. */
public final class NodeConfigKeys {
  private NodeConfigKeys() {}

  // Identity and addresses.
  public static final ConfigKey<String> NODE_ID = ConfigKey.stringKey("node.id", null,
      "[A-Za-z0-9_-]{1,64}", "1 to 64 letters, digits, '_' or '-'", "this node's id");
  public static final ConfigKey<String> HOST = ConfigKey.stringKey("node.host", "127.0.0.1",
      "[A-Za-z0-9.\\-]{1,253}", "a host name or IPv4 address", "this node's address, both "
          + "where it listens and where other nodes and clients reach it, unless node.bind or "
          + "node.advertise says otherwise");
  public static final ConfigKey<String> ADVERTISE = ConfigKey.stringKey("node.advertise", "",
      "|[A-Za-z0-9.\\-]{1,253}", "empty, a host name or an IPv4 address", "the address other "
          + "nodes and clients reach this node at (in peer lists, the metadata, its status and "
          + "server certificates' host check), when it differs from node.host; empty: node.host");
  public static final ConfigKey<String> BIND = ConfigKey.stringKey("node.bind", "",
      "|[A-Za-z0-9.\\-]{1,253}", "empty, a host name or an IPv4 address (0.0.0.0: every "
          + "interface)", "the address the client, Raft and HTTP ports listen on, when it "
          + "differs from node.host (e.g. 0.0.0.0 in a container); empty: node.host");
  public static final ConfigKey<Integer> CLIENT_PORT = ConfigKey.intKey("node.client-port", null, 1,
      65535, "the gRPC client API port");
  public static final ConfigKey<Integer> RAFT_PORT = ConfigKey.intKey("node.raft-port", null, 1,
      65535, "the Raft (server-to-server) port");
  public static final ConfigKey<Integer> RAFT_BIND_PORT = ConfigKey.intKey("node.raft-bind-port",
      null, 1, 65535, "the port the Raft server listens on, when it differs from the "
          + "node.raft-port other nodes reach it at (a port forward or proxy in front of it); "
          + "unset: node.raft-port");
  public static final ConfigKey<Integer> HTTP_PORT = ConfigKey.intKey("node.http-port", null, 0,
      65535, "the HTTP port for /metrics, /healthz and /readyz (0: any free port); unset, the "
          + "node has no HTTP listener");
  public static final ConfigKey<Path> DATA_DIR = ConfigKey.pathKey("node.data-dir",
      "where the Raft log, snapshots and RocksDB live");

  // Cluster.
  public static final ConfigKey<String> PEERS = ConfigKey.stringKey("cluster.peers", "",
      peers -> PeerAddress.parseList(peers) != null, "id=host:raftPort:clientPort,...",
      "the other members of the group (this node may be listed too)");

  public static final ConfigKey<Integer> GROUPS = ConfigKey.intKey("cluster.groups", 1, 1, 1024,
      "data groups the key space is split into; fixed when the cluster is created");
  public static final ConfigKey<Integer> REPLICATION = ConfigKey.intKey("cluster.replication", 3,
      1, 15, "replicas per data group (capped at the number of nodes)");

  public static final ConfigKey<String> JOIN = ConfigKey.stringKey("cluster.join", "false",
      "true|false", "true or false", "this node joins a running cluster: it formats no group "
          + "itself and registers in the metadata; the controller gives it replicas");
  public static final ConfigKey<Integer> DEAD_AFTER_MS = ConfigKey.intKey("cluster.dead-after-ms",
      3_000, 200, 600_000, "silence after which the controller marks a node dead and replaces its "
          + "replicas");
  public static final ConfigKey<Integer> CONTROLLER_INTERVAL_MS = ConfigKey.intKey(
      "cluster.controller-interval-ms", 500, 50, 60_000,
      "how often the metadata leader probes the nodes and moves at most one group's replicas");

  // Limits.
  public static final ConfigKey<Long> DEFAULT_CAPACITY = ConfigKey.longKey(
      "limit.default.capacity", 100L, 1, 1_000_000_000_000L,
      "capacity of a bucket whose request carries no limit");
  public static final ConfigKey<Double> DEFAULT_REFILL = ConfigKey.doubleKey(
      "limit.default.refill-per-second", 10.0, 1e-6, 1e12,
      "refill rate of a bucket whose request carries no limit");

  // Raft.
  public static final ConfigKey<Integer> ELECTION_TIMEOUT_MIN_MS = ConfigKey.intKey(
      "raft.election-timeout-min-ms", 300, 50, 60_000, "lower bound of the election timeout");
  public static final ConfigKey<Integer> ELECTION_TIMEOUT_MAX_MS = ConfigKey.intKey(
      "raft.election-timeout-max-ms", 600, 100, 120_000, "upper bound of the election timeout");
  public static final ConfigKey<Integer> CLOCK_SKEW_ALLOWANCE_MS = ConfigKey.intKey(
      "time.skew-allowance-ms", 1_000, 0, 3_600_000,
      "how far a leader's stamps may follow its wall clock away from its monotonic clock");
  public static final ConfigKey<Integer> LEADER_BALANCE_INTERVAL_MS = ConfigKey.intKey(
      "raft.leader-balance-interval-ms", 2_000, 0, 3_600_000,
      "how often a node hands groups it should not lead to their preferred leader (0: never)");
  public static final ConfigKey<Integer> LEADER_BALANCE_SETTLE_MS = ConfigKey.intKey(
      "raft.leader-balance-settle-ms", 10_000, 0, 3_600_000,
      "how long every replica of a group, its preferred leader included, must have answered "
          + "without a break before the group's leadership moves to the preferred leader");
  public static final ConfigKey<Long> SNAPSHOT_THRESHOLD_ENTRIES = ConfigKey.longKey(
      "raft.snapshot.threshold-entries", 20_000L, 1, Long.MAX_VALUE,
      "log entries applied between automatic snapshots");
  public static final ConfigKey<Integer> LOG_PURGE_GAP = ConfigKey.intKey("raft.log.purge-gap",
      1024, 1, Integer.MAX_VALUE, "log entries a snapshot must cover before the log is purged");
  public static final ConfigKey<Integer> LOG_SEGMENT_SIZE_MB = ConfigKey.intKey(
      "raft.log.segment-size-mb", 8, 1, 1024,
      "size of a Raft log segment; only closed segments can be purged after a snapshot");
  public static final ConfigKey<String> APPENDS_ON_EVENT_LOOP = ConfigKey.stringKey(
      "raft.appends-on-event-loop", "true", "true|false", "true or false",
      "a follower takes Raft appends on the gRPC event loop that read them, without a hand-off "
          + "to gRPC's executor (votes and snapshot installs always keep the executor)");
  public static final ConfigKey<Integer> SNAPSHOTS_RETAINED = ConfigKey.intKey(
      "raft.snapshot.retained", 2, 1, 100, "snapshots kept on disk per group");

  public static final ConfigKey<Integer> STORAGE_CACHE_MB = ConfigKey.intKey(
      "storage.cache-mb", 128, 8, 1 << 20,
      "RocksDB block cache of the node, shared by all its groups' bucket stores, memtables "
          + "included: the bound on the stores' native memory, whatever the number of groups");
  public static final ConfigKey<Integer> STORAGE_MEMTABLE_MB = ConfigKey.intKey(
      "storage.memtable-mb", 64, 4, 1 << 20,
      "memtables of all the node's bucket stores together, at most (within storage.cache-mb)");

  // Metadata.
  public static final ConfigKey<Integer> METADATA_REFRESH_INTERVAL_MS = ConfigKey.intKey(
      "metadata.refresh-interval-ms", 1_000, 50, 600_000,
      "how often a node reads the metadata group (a replica also learns every change at once)");

  // Consistency modes.
  // Security.
  public static final ConfigKey<String> ALLOW_INSECURE = ConfigKey.stringKey(
      "security.allow-insecure", "false", "true|false", "true or false", "lets the node start "
          + "without TLS, insecure on purpose: its Raft port and Forward (and, without "
          + "security.admin-token-file, the calls that change the cluster) are then open to "
          + "anyone who reaches them; without TLS and without this, the node refuses to start");
  public static final ConfigKey<Path> ADMIN_TOKEN_FILE = ConfigKey.fileKey(
      "security.admin-token-file", "a file holding the token that calls changing the cluster "
          + "(SetLimit, RemoveLimit, Drain) may carry as 'authorization: Bearer <token>' to have "
          + "the admin role; read again when it changes; with neither this nor TLS set, those "
          + "calls are open to any client (only with security.allow-insecure=true)");
  public static final ConfigKey<Path> TLS_CERT_FILE = ConfigKey.fileKey("security.tls-cert-file",
      "PEM certificate chain of this node (leaf first); with tls-key-file and tls-ca-file it "
          + "turns TLS on for the client port and mutual TLS for the Raft port and between nodes");
  public static final ConfigKey<Path> TLS_KEY_FILE = ConfigKey.fileKey("security.tls-key-file",
      "PEM (PKCS#8) private key of security.tls-cert-file");
  public static final ConfigKey<Path> TLS_CA_FILE = ConfigKey.fileKey("security.tls-ca-file",
      "PEM certificates of the authority that signs the nodes' and the clients' certificates");
  public static final ConfigKey<ClientAuth> CLIENT_AUTH = ConfigKey.enumKey(
      "security.client-auth", ClientAuth.class, ClientAuth.REQUIRE,
      "with TLS: whether a client of the client port must present a certificate of the "
          + "authority (REQUIRE) or may connect without one (OPTIONAL)");
  public static final ConfigKey<String> ADMIN_SUBJECTS = ConfigKey.stringKey(
      "security.admin-subjects", "", spec -> subjects("security.admin-subjects", spec),
      "certificate subjects separated by ';', '*' for any characters within one value",
      "with TLS: client certificate subjects that have the admin role (calls that change the "
          + "cluster), e.g. CN=admin,O=example");
  public static final ConfigKey<String> NODE_SUBJECTS = ConfigKey.stringKey(
      "security.node-subjects", "", spec -> subjects("security.node-subjects", spec),
      "certificate subjects separated by ';', '*' for any characters within one value",
      "with TLS (required then): the subjects of node certificates; only they may connect to "
          + "the Raft port or forward ops, e.g. CN=node-*,O=example");
  public static final ConfigKey<Integer> TLS_RELOAD_INTERVAL_MS = ConfigKey.intKey(
      "security.tls-reload-interval-ms", 5_000, 0, 3_600_000,
      "how often the TLS files are checked for changes and reloaded (0: never)");
  public static final ConfigKey<Path> ENVOY_CONFIG = ConfigKey.fileKey("envoy.config",
      "limits for Envoy's ShouldRateLimit in the YAML format of Envoy's ratelimit service: one "
          + "file, or a directory of .yaml files, one domain each; read again when they change. "
          + "A domain configured here takes its limits from it (descriptors it does not limit "
          + "are not limited); other domains use the prefix rules");
  public static final ConfigKey<Integer> ENVOY_CONFIG_RELOAD_INTERVAL_MS = ConfigKey.intKey(
      "envoy.config-reload-interval-ms", 1_000, 0, 3_600_000,
      "how often envoy.config is read again and, when it changed, installed (0: never)");
  public static final ConfigKey<ConsistencyMode> ENVOY_CONSISTENCY = ConfigKey.enumKey(
      "envoy.consistency", ConsistencyMode.class, null,
      "the mode Envoy's ShouldRateLimit calls are decided in (unset: consistency.default); "
          + "the Envoy filter's timeout and failure mode should fit it (docs/envoy/envoy.yaml)");
  public static final ConfigKey<RequestLimitPolicy> LIMIT_REQUEST_OVERRIDE = ConfigKey.enumKey(
      "limit.request-override", RequestLimitPolicy.class, RequestLimitPolicy.LOWER_ONLY,
      "what a limit carried in a request may do: LOWER_ONLY (it may only lower the rule's "
          + "capacity and refill; the default, so no caller admits itself more than the "
          + "operator set), DENY (ignored), ALLOW (it wins over the rules)");
  public static final ConfigKey<String> METRICS_JMX = ConfigKey.stringKey("metrics.jmx", "true",
      "true|false", "true or false", "export the node's metrics (MBean raftlimiter.<node id>:type="
          + "metrics, an attribute per series) and Ratis' own (domain ratis) over JMX");
  public static final ConfigKey<String> LIMIT_SHADOW = ConfigKey.stringKey("limit.shadow",
      "false", "true|false", "true or false", "shadow mode: every decision is made and counted "
          + "as usual, but a refusal is answered as allowed, marked shadow_refused (and counted "
          + "in raftlimiter_decisions_shadow_refused_total), to try limits on live traffic");
  public static final ConfigKey<ConsistencyMode> DEFAULT_CONSISTENCY = ConfigKey.enumKey(
      "consistency.default", ConsistencyMode.class, ConsistencyMode.STRONG,
      "the mode of a request that leaves consistency unspecified");
  public static final ConfigKey<Integer> EVENTUAL_SYNC_INTERVAL_MS = ConfigKey.intKey(
      "eventual.sync-interval-ms", 25, 1, 60_000,
      "how often an EVENTUAL node charges the hits it admitted to their groups");
  public static final ConfigKey<Integer> EVENTUAL_SYNC_MIN_KEYS = ConfigKey.intKey(
      "eventual.sync-min-keys", 64, 1, 1_000_000,
      "keys a sync waits for, up to eventual.sync-held-interval-ms, before it charges them");
  public static final ConfigKey<Integer> EVENTUAL_SYNC_HELD_INTERVAL_MS = ConfigKey.intKey(
      "eventual.sync-held-interval-ms", 100, 1, 60_000,
      "the longest a sync waits for eventual.sync-min-keys keys (at least the sync interval); "
          + "the over-admission bound's D counts this one");
  public static final ConfigKey<Integer> EVENTUAL_SYNC_MAX_KEYS = ConfigKey.intKey(
      "eventual.sync-max-keys", 4_096, 1, 1_000_000,
      "keys waiting for a sync that start one before the interval is up");
  public static final ConfigKey<String> EVENTUAL_CHARGE_BATCHES = ConfigKey.stringKey(
      "eventual.charge-batches", "true", "true|false", "true or false",
      "an EVENTUAL sync charges each group one log entry of its keys under one id (false: an op "
          + "per key, each under its own id, which builds before charge batches can read)");
  public static final ConfigKey<Integer> EVENTUAL_MAX_STALENESS_MS = ConfigKey.intKey(
      "eventual.max-staleness-ms", 2_000, 1, 3_600_000,
      "how long a hit admitted by EVENTUAL may go unacknowledged by its group before the key "
          + "stops admitting on this node");
  public static final ConfigKey<Integer> EVENTUAL_MAX_VIEWS = ConfigKey.intKey(
      "eventual.max-views", 1_000_000, 1, 100_000_000,
      "keys a node keeps an EVENTUAL view of; a new key beyond is decided by its group");
  public static final ConfigKey<Integer> EVENTUAL_MAX_VIEW_BYTES = ConfigKey.intKey(
      "eventual.max-view-bytes", 128 << 20, 1 << 20, Integer.MAX_VALUE,
      "heap a node's EVENTUAL views may take, counted as each key's bytes plus 200 per view; a "
          + "new key beyond is decided by its group");
  public static final ConfigKey<Integer> LEASE_HOT_HITS_PER_SECOND = ConfigKey.intKey(
      "lease.hot-hits-per-second", 5, 1, 100_000_000,
      "LEASED requests per second on a node that earn a key a lease (colder keys go as STRONG)");
  public static final ConfigKey<Integer> LEASE_IDLE_MS = ConfigKey.intKey("lease.idle-ms", 500,
      10, 3_600_000, "how long a lease may go unused before its tokens go back to the bucket");
  public static final ConfigKey<Double> LEASE_DRAINED_WAIT = ConfigKey.doubleKey(
      "lease.drained-wait", 0.5, 0, 1,
      "after a grant that emptied the bucket, a lease refuses until what it asks for has "
          + "refilled, for at most this fraction of a grant's spendable time, and at least until "
          + "the bucket's next token (0: ask again at the next token)");

  // Request path.
  public static final ConfigKey<Integer> SHUTDOWN_GRACE_MS = ConfigKey.intKey(
      "node.shutdown-grace-ms", 1_000, 0, 600_000,
      "on SIGTERM, how long the node reports not ready (gRPC health, /readyz) while it still "
          + "serves, so that load balancers stop sending to it, before it hands its groups' "
          + "leadership over and stops");
  public static final ConfigKey<Integer> REQUEST_TIMEOUT_MS = ConfigKey.intKey(
      "request.timeout-ms", 3_000, 100, 600_000,
      "how long a decision may wait for its group to commit before UNAVAILABLE");
  public static final ConfigKey<Integer> BATCH_MAX_OPS = ConfigKey.intKey("batch.max-ops", 2_000, 1,
      20_000, "acquires coalesced into one log entry at most");
  public static final ConfigKey<Integer> BATCH_MAX_IN_FLIGHT = ConfigKey.intKey(
      "batch.max-in-flight", 4, 1, 256, "log entries a node keeps in flight per group");
  public static final ConfigKey<Integer> BATCH_PIPELINE_THRESHOLD = ConfigKey.intKey(
      "batch.pipeline-threshold", 64, 1, 1_000_000,
      "acquires that must wait before a further entry is sent beside those in flight (a full "
          + "entry's worth always is)");
  public static final ConfigKey<Integer> BATCH_LINGER_MAX_MICROS = ConfigKey.intKey(
      "batch.linger-max-micros", 10_000, 0, 100_000,
      "after a large log entry completes, how long the next may wait at most (and never more "
          + "than batch.linger-round-percent of the last entry's round) for the callers just "
          + "answered to ride in it; 0: never wait");
  public static final ConfigKey<Integer> BATCH_LINGER_ROUND_PERCENT = ConfigKey.intKey(
      "batch.linger-round-percent", 400, 0, 1_000,
      "how long the next entry may wait at most, in percent of the last entry's round; 0: never");
  public static final ConfigKey<Integer> BATCH_LINGER_MIN_OPS = ConfigKey.intKey(
      "batch.linger-min-ops", 16, 2, 1_000_000,
      "the entry size from which the next entry may wait (smaller entries mean low load, where "
          + "nothing waits)");
  public static final ConfigKey<Integer> ADMISSION_MAX_QUEUED_OPS = ConfigKey.intKey(
      "admission.max-queued-ops", 65_536, 1, 10_000_000,
      "callers' STRONG and LEASED ops that may wait per group on this node; beyond, a call is "
          + "answered RESOURCE_EXHAUSTED at once, with nothing consumed");
  public static final ConfigKey<Integer> ADMISSION_MAX_QUEUED_BYTES = ConfigKey.intKey(
      "admission.max-queued-bytes", 16 << 20, 1 << 10, 1 << 30,
      "the same bound in bytes of queued ops (as encoded in the log), so that long keys cannot "
          + "make the queue take unbounded memory");
  public static final ConfigKey<Integer> FORWARD_MAX_IN_FLIGHT = ConfigKey.intKey(
      "forward.max-in-flight", 4, 0, 256,
      "batches in flight from this node to each other node carrying ops for the groups that node "
          + "leads, where they join its group commit (a call per group in each, answered when "
          + "that group has decided); 0: a follower proposes entries of its own");
  public static final ConfigKey<Integer> FORWARD_PIPELINE_THRESHOLD = ConfigKey.intKey(
      "forward.pipeline-threshold", 8, 1, 1_000_000,
      "ops for another node that must wait before a further forwarding call goes beside those in "
          + "flight (a full call's worth always does)");
  public static final ConfigKey<Integer> FORWARD_LINGER_ROUND_PERCENT = ConfigKey.intKey(
      "forward.linger-round-percent", 50, 0, 1_000,
      "after a large forwarding call completes, how long the next may wait at most for the "
          + "callers just answered, in percent of the last call's round (and never more than "
          + "batch.linger-max-micros); 0: never");

  public static final List<ConfigKey<?>> ALL = List.of(NODE_ID, HOST, ADVERTISE, BIND, CLIENT_PORT, HTTP_PORT,
      RAFT_PORT, RAFT_BIND_PORT, APPENDS_ON_EVENT_LOOP, DATA_DIR, PEERS, GROUPS, REPLICATION, JOIN, DEAD_AFTER_MS, CONTROLLER_INTERVAL_MS,
      DEFAULT_CAPACITY, DEFAULT_REFILL,
      ELECTION_TIMEOUT_MIN_MS, ELECTION_TIMEOUT_MAX_MS, CLOCK_SKEW_ALLOWANCE_MS,
      LEADER_BALANCE_INTERVAL_MS, LEADER_BALANCE_SETTLE_MS,
      SNAPSHOT_THRESHOLD_ENTRIES, LOG_PURGE_GAP, LOG_SEGMENT_SIZE_MB, SNAPSHOTS_RETAINED,
      STORAGE_CACHE_MB, STORAGE_MEMTABLE_MB,
      METADATA_REFRESH_INTERVAL_MS, DEFAULT_CONSISTENCY, LIMIT_REQUEST_OVERRIDE, LIMIT_SHADOW,
      METRICS_JMX,
      ALLOW_INSECURE, ADMIN_TOKEN_FILE,
      TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE, CLIENT_AUTH, ADMIN_SUBJECTS, NODE_SUBJECTS,
      TLS_RELOAD_INTERVAL_MS, ENVOY_CONFIG, ENVOY_CONFIG_RELOAD_INTERVAL_MS,
      ENVOY_CONSISTENCY, SHUTDOWN_GRACE_MS,
      EVENTUAL_SYNC_INTERVAL_MS,
      EVENTUAL_SYNC_MIN_KEYS, EVENTUAL_SYNC_HELD_INTERVAL_MS,
      EVENTUAL_SYNC_MAX_KEYS, EVENTUAL_CHARGE_BATCHES, EVENTUAL_MAX_STALENESS_MS,
      EVENTUAL_MAX_VIEWS, EVENTUAL_MAX_VIEW_BYTES,
      LEASE_HOT_HITS_PER_SECOND, LEASE_IDLE_MS, LEASE_DRAINED_WAIT, REQUEST_TIMEOUT_MS,
      BATCH_MAX_OPS, BATCH_MAX_IN_FLIGHT, BATCH_PIPELINE_THRESHOLD, BATCH_LINGER_MAX_MICROS,
      BATCH_LINGER_ROUND_PERCENT, BATCH_LINGER_MIN_OPS, ADMISSION_MAX_QUEUED_OPS,
      ADMISSION_MAX_QUEUED_BYTES, FORWARD_MAX_IN_FLIGHT, FORWARD_PIPELINE_THRESHOLD,
      FORWARD_LINGER_ROUND_PERCENT);

  public static ConfigKey<?> byName(String name) {
    for (ConfigKey<?> key : ALL) {
      if (key.name().equals(name)) {
        return key;
      }
    }
    throw new ConfigException("unknown setting '" + name + "'");
  }

  private static boolean subjects(String name, String spec) {
    try {
      SubjectPatterns.parse(spec);
      return true;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ": " + e.getMessage());
    }
  }
}
