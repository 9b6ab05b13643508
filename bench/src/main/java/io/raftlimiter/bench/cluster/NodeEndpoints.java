package io.raftlimiter.bench.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the {@code endpoints} file that {@code rlctl cluster up} writes into its directory: one
 * {@code <node-id> <host:port> <pid>} line per node. Read here rather than shared with the CLI so
 * that the bench depends only on the file's documented format, as any user's script does.
 */
public final class NodeEndpoints {
  /** The file's name inside the cluster directory. */
  public static final String FILE = "endpoints";

  /** One node: its id, its client address and the pid of its process. */
  public record Node(String id, String address, long pid) {}

  private NodeEndpoints() {}

  /** The nodes in {@code text}, in order; blank lines are skipped, anything else malformed throws. */
  public static List<Node> parse(String text) {
    List<Node> nodes = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.trim().split("\\s+");
      if (parts.length != 3 || !parts[1].matches("[^:\\s]+:\\d{1,5}")
          || !parts[2].matches("\\d{1,10}")) {
        throw new IllegalArgumentException("endpoints: expected '<id> <host:port> <pid>', got '"
            + line.trim() + "'");
      }
      nodes.add(new Node(parts[0], parts[1], Long.parseLong(parts[2])));
    }
    return nodes;
  }
}
