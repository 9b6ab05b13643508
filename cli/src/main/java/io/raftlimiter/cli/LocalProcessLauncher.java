package io.raftlimiter.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Node processes on this machine, in a cluster directory of {@code rlctl cluster up}: adds with
 * {@code cluster add-node} and drains with {@code cluster remove-node}. Drains the most recently
 * added node first, and never the three founding nodes (the metadata group's size, so that a
 * scaled-down cluster keeps every replica of it on a node of its own).
 */
final class LocalProcessLauncher implements NodeLauncher {
  private static final int METADATA_NODES = 3;

  private final Path dir;
  private final String jvmOptions;

  LocalProcessLauncher(Path dir, String jvmOptions) {
    this.dir = dir;
    this.jvmOptions = jvmOptions;
  }

  @Override
  public String add() throws Exception {
    List<String> before = ids();
    MembershipCommands.AddNode add = new MembershipCommands.AddNode();
    add.cluster = ClusterDirectory.of(dir);
    add.jvm = NodeJvmOptions.of(jvmOptions);
    add.waitSeconds = 120;
    if (add.call() != 0) {
      throw new IllegalStateException("add-node failed");
    }
    List<String> after = ids();
    after.removeAll(before);
    return after.isEmpty() ? "?" : after.get(0);
  }

  @Override
  public void drain(String id) throws Exception {
    MembershipCommands.RemoveNode remove = new MembershipCommands.RemoveNode();
    remove.id = id;
    remove.target = ClusterTarget.ofDirectory(dir);
    remove.waitSeconds = 180;
    if (remove.call() != 0) {
      throw new IllegalStateException("remove-node " + id + " failed");
    }
  }

  @Override
  public List<String> nodes() throws Exception {
    List<String> addresses = new ArrayList<>();
    EndpointsFile.read(dir).forEach(e -> addresses.add(e.clientAddress()));
    return addresses;
  }

  @Override
  public String drainCandidate() throws Exception {
    List<String> ids = ids();
    ids.sort((a, b) -> Integer.compare(number(b), number(a))); // newest first
    // The founding nodes stay: fewer than three would leave the metadata group short.
    List<String> founding = new ArrayList<>(ids);
    founding.sort(String::compareTo);
    List<String> kept = founding.subList(0, Math.min(METADATA_NODES, founding.size()));
    return ids.stream().filter(id -> !kept.contains(id)).findFirst().orElse(null);
  }

  private List<String> ids() throws Exception {
    List<String> ids = new ArrayList<>();
    EndpointsFile.read(dir).forEach(e -> ids.add(e.nodeId()));
    return ids;
  }

  private static int number(String id) {
    return id.matches("n\\d+") ? Integer.parseInt(id.substring(1)) : 0;
  }
}
