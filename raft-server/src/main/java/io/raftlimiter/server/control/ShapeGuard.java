package io.raftlimiter.server.control;

import io.raftlimiter.meta.ClusterShape;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.runtime.OwnerOnly;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Whether this node may decide, as far as the cluster's shape goes. A node whose
 * {@code cluster.groups} or {@code cluster.replication} differs from what the cluster was created
 * with maps keys to other groups than its peers, and could admit a key's tokens twice; so a node
 * decides only once its settings were compared with the shape recorded in the metadata group,
 * and never when they differ.
 *
 * <p>The recorded shape never changes, so a node keeps the shape it checked against in its data
 * directory ({@link #FILE}): after a restart it decides at once when its settings still agree,
 * and refuses at once when they no longer do, without waiting for the metadata group (which may
 * have no leader just then). A node that never checked refuses until it has.
 *
 * <p>Thread-safe: the request path reads {@link #refusal()} on every decision.
 */
final class ShapeGuard {
  /** In the data directory: the groups and replication the cluster was created with. */
  static final String FILE = "cluster-shape";
  static final String NOT_CHECKED = "its settings are not compared with the cluster's shape yet "
      + "(the metadata group is not read since it started)";

  private final int groups;
  private final int replication;
  private final Path file;
  /**
   * Why this node must not decide: {@link #NOT_CHECKED} itself until the comparison, then the
   * mismatch, or null once its settings agree with the recorded shape.
   */
  private volatile String refusal = NOT_CHECKED;

  private ShapeGuard(int groups, int replication, Path file) {
    this.groups = groups;
    this.replication = replication;
    this.file = file;
  }

  /**
   * The guard of a node with {@code own} settings, whose data directory holds {@code file}:
   * already checked when the file records a shape.
   *
   * @throws IOException when the file exists but cannot be read: deciding on a guess is worse
   *     than not starting
   */
  static ShapeGuard load(ClusterShape own, Path file) throws IOException {
    ShapeGuard guard = new ShapeGuard(own.groups(), own.replication(), file);
    if (Files.exists(file)) {
      Properties saved = new Properties();
      saved.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
      try {
        guard.compare(Integer.parseInt(saved.getProperty(NodeConfigKeys.GROUPS.name(), "")),
            Integer.parseInt(saved.getProperty(NodeConfigKeys.REPLICATION.name(), "")));
      } catch (NumberFormatException e) {
        throw new IOException(file + " does not record the cluster's shape: " + saved, e);
      }
    }
    return guard;
  }

  /** Why this node must not decide now; null when it may. */
  String refusal() {
    return refusal;
  }

  /** Whether the settings were compared with the recorded shape (agreeing or not). */
  boolean checked() {
    return refusal != NOT_CHECKED; // the constant itself: a mismatch is always a new string
  }

  /**
   * Compares this node's settings with the shape the metadata group records, keeps that shape
   * for later starts, and returns the mismatch (null when they agree).
   *
   * @throws IOException when the shape cannot be kept; the verdict stands all the same
   */
  String check(ClusterShape recorded) throws IOException {
    String mismatch = compare(recorded.groups(), recorded.replication());
    OwnerOnly.write(file, NodeConfigKeys.GROUPS.name() + "=" + recorded.groups() + "\n"
        + NodeConfigKeys.REPLICATION.name() + "=" + recorded.replication() + "\n");
    return mismatch;
  }

  private String compare(int clusterGroups, int clusterReplication) {
    String mismatch = groups == clusterGroups && replication == clusterReplication ? null
        : "this node has " + NodeConfigKeys.GROUPS.name() + "=" + groups + " and "
            + NodeConfigKeys.REPLICATION.name() + "=" + replication
            + ", the cluster was created with " + NodeConfigKeys.GROUPS.name() + "="
            + clusterGroups + " and " + NodeConfigKeys.REPLICATION.name() + "="
            + clusterReplication + ": restart it with the cluster's settings";
    refusal = mismatch;
    return mismatch;
  }
}
