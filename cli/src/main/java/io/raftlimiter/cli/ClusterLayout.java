package io.raftlimiter.cli;

import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.local.FreePorts;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The shape of a local cluster directory, saved as {@code D/cluster.properties} when the cluster is
 * first created so that {@code cluster up} on the same directory brings back the same nodes, on
 * the same ports, with their data in {@code D/<node-id>/}. Each node also has an HTTP port
 * ({@code node.http-port}: metrics and health), given on first use.
 */
record ClusterLayout(List<PeerAddress> peers, int groups, int replication, long capacity,
    double refillPerSecond, SortedMap<String, String> settings, List<String> retired,
    SortedMap<String, Integer> httpPorts) {
  static final String FILE = "cluster.properties";
  private static final String SETTING = "set.";
  private static final String HTTP_PORT = "http-port.";

  ClusterLayout {
    settings = Collections.unmodifiableSortedMap(new TreeMap<>(settings));
    retired = List.copyOf(retired);
    httpPorts = Collections.unmodifiableSortedMap(new TreeMap<>(httpPorts));
  }

  /** The same layout where every node has an HTTP port (free ports for those without). */
  ClusterLayout withHttpPorts() {
    TreeMap<String, Integer> ports = new TreeMap<>(httpPorts);
    peers.forEach(peer -> ports.computeIfAbsent(peer.id(), id -> FreePorts.next()));
    return new ClusterLayout(peers, groups, replication, capacity, refillPerSecond, settings,
        retired, ports);
  }

  /** Where {@code peer} serves metrics and health, {@code host:port}. */
  String httpAddress(PeerAddress peer) {
    return peer.host() + ":" + httpPorts.get(peer.id());
  }

  /** The same layout with {@code peer} added as the last node. */
  ClusterLayout withPeer(PeerAddress peer) {
    List<PeerAddress> more = new ArrayList<>(peers);
    more.add(peer);
    TreeMap<String, Integer> ports = new TreeMap<>(httpPorts);
    ports.put(peer.id(), FreePorts.next());
    return new ClusterLayout(more, groups, replication, capacity, refillPerSecond, settings,
        retired, ports);
  }

  /**
   * The same layout without node {@code id}, which is retired: the cluster refuses a removed id
   * for good, so it is never given to a new node.
   */
  ClusterLayout withoutPeer(String id) {
    List<PeerAddress> fewer = peers.stream().filter(p -> !p.id().equals(id)).toList();
    List<String> gone = new ArrayList<>(retired);
    gone.add(id);
    TreeMap<String, Integer> ports = new TreeMap<>(httpPorts);
    ports.remove(id);
    return new ClusterLayout(fewer, groups, replication, capacity, refillPerSecond, settings,
        gone, ports);
  }

  /** The id for the next node: {@code n<k>}, k above every id in use or retired. */
  String nextId() {
    int highest = 0;
    List<String> ids = new ArrayList<>(retired);
    peers.forEach(peer -> ids.add(peer.id()));
    for (String id : ids) {
      if (id.matches("n\\d{1,9}")) {
        highest = Math.max(highest, Integer.parseInt(id.substring(1)));
      }
    }
    return "n" + (highest + 1);
  }

  /** The same layout with {@code more} node settings (later values win). */
  ClusterLayout withSettings(Map<String, String> more) {
    TreeMap<String, String> merged = new TreeMap<>(settings);
    merged.putAll(more);
    return new ClusterLayout(peers, groups, replication, capacity, refillPerSecond, merged,
        retired, httpPorts);
  }

  static ClusterLayout create(int nodes, int groups, int replication, Integer basePort,
      long capacity, double refill) {
    List<PeerAddress> peers = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      int raftPort = basePort == null ? FreePorts.next() : basePort + 2 * (i - 1);
      int clientPort = basePort == null ? FreePorts.next() : basePort + 2 * (i - 1) + 1;
      peers.add(new PeerAddress("n" + i, "127.0.0.1", raftPort, clientPort));
    }
    return new ClusterLayout(peers, groups, replication, capacity, refill, new TreeMap<>(),
        List.of(), new TreeMap<>()).withHttpPorts();
  }

  static boolean existsIn(Path dir) {
    return Files.isRegularFile(dir.resolve(FILE));
  }

  static ClusterLayout load(Path dir) throws IOException {
    Properties p = new Properties();
    try (Reader reader = Files.newBufferedReader(dir.resolve(FILE))) {
      p.load(reader);
    }
    TreeMap<String, String> settings = new TreeMap<>();
    TreeMap<String, String> httpPorts = new TreeMap<>();
    for (String name : p.stringPropertyNames()) {
      if (name.startsWith(HTTP_PORT)) {
        httpPorts.put(name.substring(HTTP_PORT.length()), p.getProperty(name));
      }
      if (name.startsWith(SETTING)) {
        settings.put(name.substring(SETTING.length()), p.getProperty(name));
      }
    }
    try {
      return new ClusterLayout(PeerAddress.parseList(p.getProperty("peers", "")),
          Integer.parseInt(p.getProperty("groups", "1")),
          Integer.parseInt(p.getProperty("replication", "3")),
          Long.parseLong(p.getProperty("capacity")), Double.parseDouble(p.getProperty("refill")),
          settings, Arrays.stream(p.getProperty("retired", "").split(","))
              .filter(id -> !id.isBlank()).toList(), parsePorts(httpPorts));
    } catch (RuntimeException e) {
      throw new IOException(dir.resolve(FILE) + " is damaged: " + e.getMessage(), e);
    }
  }

  private static TreeMap<String, Integer> parsePorts(Map<String, String> raw) {
    TreeMap<String, Integer> ports = new TreeMap<>();
    raw.forEach((id, port) -> ports.put(id, Integer.parseInt(port.trim())));
    return ports;
  }

  void save(Path dir) throws IOException {
    Properties p = new Properties();
    p.setProperty("peers", PeerAddress.format(peers));
    p.setProperty("groups", Integer.toString(groups));
    p.setProperty("replication", Integer.toString(replication));
    p.setProperty("capacity", Long.toString(capacity));
    p.setProperty("refill", Double.toString(refillPerSecond));
    settings.forEach((name, value) -> p.setProperty(SETTING + name, value));
    p.setProperty("retired", String.join(",", retired));
    httpPorts.forEach((id, port) -> p.setProperty(HTTP_PORT + id, Integer.toString(port)));
    Files.createDirectories(dir);
    try (Writer writer = Files.newBufferedWriter(dir.resolve(FILE))) {
      p.store(writer, "raftlimiter local cluster; written by rlctl cluster up");
    }
  }
}
