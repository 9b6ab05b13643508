package io.raftlimiter.cli;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.routing.NodeIdOrder;
import io.raftlimiter.server.config.PeerAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Which cluster an admin command works on: a local cluster directory ({@code --dir}, of
 * 'rlctl cluster up'), or any nodes of a cluster anywhere ({@code --endpoints}), from which the
 * others are learned (every node's status lists the members and their client addresses).
 */
final class ClusterTarget {
  @ArgGroup(exclusive = true, multiplicity = "1")
  Choice choice;

  static final class Choice {
    @Option(names = "--dir", description = "Cluster directory D (of 'rlctl cluster up').")
    Path dir;

    @Option(names = {"--endpoints", "--target"}, split = ",", paramLabel = "HOST:PORT",
        description = "Client address(es) of any node(s) of the cluster, comma-separated.")
    List<String> endpoints;
  }

  @Option(names = "--admin-token-file", paramLabel = "FILE",
      description = "File holding the cluster's admin token (the nodes' "
          + "security.admin-token-file), sent with calls that change the cluster. With --dir, "
          + "D/" + AdminToken.FILE + " when it exists.")
  Path adminTokenFile;

  @Mixin TlsOptions tls = new TlsOptions();

  /** A node as the target knows it: id, client address, and pid when it runs locally. */
  record Node(String id, String clientAddress, Long pid) {}

  /** The cluster's nodes and group count, as far as the target can tell. */
  record Known(List<Node> nodes, int groups) {}

  /** The target of a local cluster directory, for commands called from code. */
  static ClusterTarget ofDirectory(Path dir) {
    ClusterTarget target = new ClusterTarget();
    target.choice = new Choice();
    target.choice.dir = dir;
    return target;
  }

  boolean local() {
    return choice.dir != null;
  }

  Path dir() {
    return choice.dir;
  }

  /** The nodes to talk to: from the directory, or from the first endpoint that answers. */
  Known resolve() throws IOException {
    if (local()) {
      ClusterCommand.requireClusterDirectory(choice.dir);
      ClusterLayout layout = ClusterLayout.load(choice.dir);
      Map<String, Long> pids = new HashMap<>();
      EndpointsFile.read(choice.dir).forEach(e -> pids.put(e.nodeId(), e.pid()));
      List<Node> nodes = new ArrayList<>();
      for (PeerAddress peer : layout.peers()) {
        nodes.add(new Node(peer.id(), peer.clientAddress(), pids.get(peer.id())));
      }
      return new Known(nodes, layout.groups());
    }
    for (String endpoint : choice.endpoints) {
      Optional<NodeStatus> status = AdminClient.status(endpoint, credentials(), 3000);
      if (status.isPresent() && status.get().getMemberClientAddressesCount() > 0) {
        Map<String, String> members = new TreeMap<>(NodeIdOrder.INSTANCE);
        members.putAll(status.get().getMemberClientAddressesMap());
        List<Node> nodes = new ArrayList<>();
        members.forEach((id, address) -> nodes.add(new Node(id, address, null)));
        return new Known(nodes, status.get().getClusterGroups());
      }
    }
    throw new IOException("no node at " + String.join(",", choice.endpoints)
        + " answered with the cluster's members");
  }

  /**
   * {@code stub} carrying the admin token, when there is one: from {@code --admin-token-file},
   * else the cluster directory's.
   */
  NodeAdminGrpc.NodeAdminBlockingStub asAdmin(NodeAdminGrpc.NodeAdminBlockingStub stub) {
    Path file = adminTokenFile;
    if (file == null && local() && Files.exists(choice.dir.resolve(AdminToken.FILE))) {
      file = choice.dir.resolve(AdminToken.FILE);
    }
    if (file == null) {
      return stub;
    }
    try {
      return AdminToken.attach(stub, AdminToken.read(file));
    } catch (IOException e) {
      throw new UsageException("cannot read the admin token from " + file + ": " + e.getMessage());
    }
  }

  /**
   * What to connect with: {@code --ca}, {@code --cert} and {@code --key}, or else the admin
   * certificate of a {@code cluster up --tls} directory, or else plaintext.
   */
  ChannelCredentials credentials() {
    return tls.credentials(choice.dir);
  }

  /** A channel to the node at {@code clientAddress}, connecting as {@link #credentials()}. */
  ManagedChannel channel(String clientAddress) {
    return Grpc.newChannelBuilder(clientAddress, credentials()).build();
  }

  /** The client addresses to send a call to, in turn. */
  List<String> addresses() throws IOException {
    if (!local()) {
      return choice.endpoints;
    }
    List<String> addresses = new ArrayList<>();
    EndpointsFile.read(choice.dir).forEach(e -> addresses.add(e.clientAddress()));
    if (addresses.isEmpty()) {
      throw new UsageException("no cluster runs in " + choice.dir + " (no endpoints file)");
    }
    return addresses;
  }
}
