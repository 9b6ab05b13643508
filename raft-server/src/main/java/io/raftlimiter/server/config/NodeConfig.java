package io.raftlimiter.server.config;

import io.raftlimiter.bucket.BucketLimit;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A node's settings: typed values for {@link NodeConfigKeys}, validated when set and checked as a
 * whole by {@link Builder#build()}. Later sources override earlier ones: defaults, then a config
 * file, then environment variables, then explicit values (command-line flags).
 */
public final class NodeConfig {
  /** Settings under this prefix go to Ratis verbatim (minus the prefix), for expert tuning. */
  public static final String RATIS_PREFIX = "ratis.";

  private final Map<ConfigKey<?>, Object> values;
  private final Map<String, String> ratisOverrides;

  private NodeConfig(Map<ConfigKey<?>, Object> values, Map<String, String> ratisOverrides) {
    this.values = Map.copyOf(values);
    this.ratisOverrides = Map.copyOf(ratisOverrides);
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.values.putAll(values);
    builder.ratisOverrides.putAll(ratisOverrides);
    return builder;
  }

  /** Ratis properties set with {@code ratis.<ratis key>=value}, applied after ours. */
  public Map<String, String> ratisOverrides() {
    return ratisOverrides;
  }

  @SuppressWarnings("unchecked")
  public <T> T get(ConfigKey<T> key) {
    return values.containsKey(key) ? (T) values.get(key) : key.defaultValue();
  }

  public String nodeId() {
    return get(NodeConfigKeys.NODE_ID);
  }

  /** Every member of the group, this node included, in the order given (this node first if unlisted). */
  public List<PeerAddress> peers() {
    List<PeerAddress> listed = PeerAddress.parseList(get(NodeConfigKeys.PEERS));
    if (listed.stream().anyMatch(p -> p.id().equals(nodeId()))) {
      return listed;
    }
    List<PeerAddress> all = new java.util.ArrayList<>();
    all.add(self());
    all.addAll(listed);
    return all;
  }

  /** Where this node's ports listen: {@code node.bind}, else {@code node.host}. */
  public String bindHost() {
    String bind = get(NodeConfigKeys.BIND);
    return bind.isEmpty() ? get(NodeConfigKeys.HOST) : bind;
  }

  /** The port the Raft server listens on: {@code node.raft-bind-port}, else {@code node.raft-port}. */
  public int raftBindPort() {
    Integer bind = get(NodeConfigKeys.RAFT_BIND_PORT);
    return bind == null ? get(NodeConfigKeys.RAFT_PORT) : bind;
  }

  /** Where other nodes and clients reach this node: {@code node.advertise}, else {@code node.host}. */
  public String advertisedHost() {
    String advertised = get(NodeConfigKeys.ADVERTISE);
    return advertised.isEmpty() ? get(NodeConfigKeys.HOST) : advertised;
  }

  public PeerAddress self() {
    return new PeerAddress(nodeId(), advertisedHost(), get(NodeConfigKeys.RAFT_PORT),
        get(NodeConfigKeys.CLIENT_PORT));
  }

  /** Whether the node runs TLS: all three TLS files are set ({@link Builder#build()} checks). */
  public boolean tls() {
    return get(NodeConfigKeys.TLS_CERT_FILE) != null;
  }

  /**
   * What a node without TLS leaves open (anyone who reaches it can act as a node, and without
   * an admin token as an admin): for its refusal to start and its warning when allowed.
   */
  public String openWithoutTls() {
    return "without TLS, its Raft port and Forward (ops proposed into a group's log, with their "
        + "limits) are open to anyone who reaches them" + (get(NodeConfigKeys.ADMIN_TOKEN_FILE)
        == null ? ", and so are the calls that change the cluster (no security.admin-token-file)"
        : ", and the admin token travels in plain text");
  }

  public BucketLimit defaultLimit() {
    return BucketLimit.of(get(NodeConfigKeys.DEFAULT_CAPACITY), get(NodeConfigKeys.DEFAULT_REFILL));
  }

  /** Collects settings from the sources, in override order. */
  public static final class Builder {
    private final Map<ConfigKey<?>, Object> values = new HashMap<>();
    private final Map<String, String> ratisOverrides = new HashMap<>();

    public <T> Builder set(ConfigKey<T> key, T value) {
      values.put(key, key.check(value));
      return this;
    }

    /** Sets a value given as text, as it comes from a file, a variable or a flag. */
    public Builder set(String name, String raw) {
      if (name.startsWith(RATIS_PREFIX)) {
        String ratisKey = name.substring(RATIS_PREFIX.length());
        if (!ratisKey.startsWith("raft.")) {
          throw new ConfigException(name + ": Ratis settings start with 'raft.', e.g. "
              + RATIS_PREFIX + "raft.server.log.force.sync.num");
        }
        ratisOverrides.put(ratisKey, raw.trim());
        return this;
      }
      ConfigKey<?> key = NodeConfigKeys.byName(name);
      values.put(key, key.parse(raw));
      return this;
    }

    /** Reads a Java properties file whose keys are setting names. */
    public Builder loadFile(Path file) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(file)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
      }
      for (String name : properties.stringPropertyNames()) {
        set(name, properties.getProperty(name));
      }
      return this;
    }

    /** Applies {@code RAFTLIMITER_*} variables, one per key (see {@link ConfigKey#environmentVariable}). */
    public Builder loadEnvironment(Map<String, String> environment) {
      for (ConfigKey<?> key : NodeConfigKeys.ALL) {
        String raw = environment.get(key.environmentVariable());
        if (raw != null) {
          values.put(key, key.parse(raw));
        }
      }
      return this;
    }

    public NodeConfig build() {
      NodeConfig config = new NodeConfig(values, ratisOverrides);
      require(config, NodeConfigKeys.NODE_ID);
      require(config, NodeConfigKeys.DATA_DIR);
      require(config, NodeConfigKeys.RAFT_PORT);
      require(config, NodeConfigKeys.CLIENT_PORT);
      PeerAddress self = config.self();
      for (PeerAddress listed : PeerAddress.parseList(config.get(NodeConfigKeys.PEERS))) {
        if (listed.id().equals(self.id()) && !listed.equals(self)) {
          throw new ConfigException(NodeConfigKeys.PEERS.name() + ": lists this node as " + listed
              + " but its own settings say " + self);
        }
      }
      int min = config.get(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS);
      int max = config.get(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS);
      if (max <= min) {
        throw new ConfigException(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS.name() + ": " + max
            + " must be greater than " + NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS.name() + " (" + min + ")");
      }
      checkTls(config);
      checkInsecureOnPurpose(config);
      return config;
    }

    /** A node without TLS starts only when told it is insecure on purpose. */
    private static void checkInsecureOnPurpose(NodeConfig config) {
      if (!config.tls() && !config.get(NodeConfigKeys.ALLOW_INSECURE).equals("true")) {
        throw new ConfigException(NodeConfigKeys.ALLOW_INSECURE.name() + ": this node would start "
            + config.openWithoutTls() + "; set security.tls-cert-file, security.tls-key-file and "
            + "security.tls-ca-file (see docs/SECURITY.md), or set "
            + NodeConfigKeys.ALLOW_INSECURE.name() + "=true to run it insecure on purpose");
      }
    }

    /** TLS takes all three files, and then must know its nodes. */
    private static void checkTls(NodeConfig config) {
      List<ConfigKey<Path>> files = List.of(NodeConfigKeys.TLS_CERT_FILE,
          NodeConfigKeys.TLS_KEY_FILE, NodeConfigKeys.TLS_CA_FILE);
      long set = files.stream().filter(key -> config.get(key) != null).count();
      if (set == 0) {
        return;
      }
      if (set < files.size()) {
        throw new ConfigException("TLS needs all of " + files.stream().map(ConfigKey::name)
            .toList() + "; only " + files.stream().filter(key -> config.get(key) != null)
            .map(ConfigKey::name).toList() + " is set");
      }
      if (config.get(NodeConfigKeys.NODE_SUBJECTS).isBlank()) {
        throw new ConfigException(NodeConfigKeys.NODE_SUBJECTS.name() + ": required with TLS "
            + "(the subjects of node certificates, e.g. CN=node-*,O=example); allowed: "
            + NodeConfigKeys.NODE_SUBJECTS.allowed());
      }
    }

    private static void require(NodeConfig config, ConfigKey<?> key) {
      if (config.get(key) == null) {
        throw new ConfigException(key.name() + ": required; allowed: " + key.allowed());
      }
    }
  }
}
