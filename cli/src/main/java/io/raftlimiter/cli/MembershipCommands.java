package io.raftlimiter.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.raftlimiter.api.admin.v1.DrainRequest;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.local.FreePorts;
import io.raftlimiter.server.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Growing and shrinking a running local cluster. */
final class MembershipCommands {
  private MembershipCommands() {}

  @Command(name = "add-node", mixinStandardHelpOptions = true,
      header = "Add a node to the running cluster in D.",
      description = {"Start one more node that joins the running cluster in D. The controller",
          "moves onto it the replicas the placement ring gives it and rebalances leadership."})
  static final class AddNode implements Callable<Integer> {
    @Mixin ClusterDirectory cluster;

    @Mixin NodeJvmOptions jvm;

    @Option(names = "--wait-seconds", defaultValue = "120",
        description = "How long to wait until it holds its replicas.")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
      ClusterCommand.requireClusterDirectory(cluster.dir);
      ClusterLayout layout = ClusterLayout.load(cluster.dir);
      List<EndpointsFile.Entry> entries = new ArrayList<>(EndpointsFile.read(cluster.dir));
      if (entries.isEmpty()) {
        throw new UsageException("the cluster in " + cluster.dir
            + " is not running; 'cluster up' first");
      }
      PeerAddress added = new PeerAddress(layout.nextId(), "127.0.0.1", FreePorts.next(),
          FreePorts.next());
      ClusterLayout grown = layout.withPeer(added);
      grown.save(cluster.dir);
      HttpEndpointsFile.write(cluster.dir, grown);
      Process process = NodeProcesses.launch(cluster.dir, grown, added, jvm.value,
          Map.of("cluster.join", "true"));
      entries.add(new EndpointsFile.Entry(added.id(), added.clientAddress(), process.pid()));
      EndpointsFile.write(cluster.dir, entries);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
      // A member, holding at least one replica (the controller moves one group per tick).
      awaitStatus(added, deadline, process,
          s -> s.getMembersList().contains(added.id()) && s.getGroupsCount() > 0);
      System.out.printf("%s %s pid %d joined; see 'rlctl cluster status --dir %s'%n", added.id(),
          added.clientAddress(), process.pid(), cluster.dir);
      return 0;
    }

    private void awaitStatus(PeerAddress peer, long deadline, Process process,
        Predicate<NodeStatus> done) throws IOException, InterruptedException {
      while (true) {
        if (!process.isAlive()) {
          throw new IOException("node " + peer.id() + " exited; last lines of its log:\n"
              + NodeProcesses.tail(NodeProcesses.logFile(cluster.dir, peer.id()), 15));
        }
        Optional<NodeStatus> status = AdminClient.status(peer.clientAddress(),
            ClusterTls.adminCredentials(cluster.dir), 1000);
        if (status.isPresent() && done.test(status.get())) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(peer.id() + " did not join in time; see "
              + NodeProcesses.logFile(cluster.dir, peer.id()));
        }
        Thread.sleep(300);
      }
    }
  }

  @Command(name = "remove-node", mixinStandardHelpOptions = true,
      header = "Drain node ID and remove it from the cluster.",
      description = {"Drain node ID gracefully: its leaderships are handed over and its replicas",
          "moved to the other nodes first, so no request fails; then it leaves the members. With",
          "--dir the node is also stopped and its data deleted; with --endpoints (a cluster on",
          "other hosts) that is left to its host. A replica of the metadata group moves to",
          "another node like any other; with no node to take it, the drain waits."})
  static final class RemoveNode implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The node to remove.")
    String id;

    @Mixin ClusterTarget target;

    @Option(names = "--wait-seconds", defaultValue = "180",
        description = "How long to wait for the drain.")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
      ClusterTarget.Known cluster = target.resolve();
      ClusterTarget.Node leaving = cluster.nodes().stream().filter(n -> n.id().equals(id))
          .findFirst().orElseThrow(() -> new UsageException(id + " is not a member"));
      ClusterTarget.Node other = cluster.nodes().stream()
          .filter(n -> !n.id().equals(id)
              && AdminClient.status(n.clientAddress(), target.credentials(), 2000).isPresent())
          .findFirst().orElseThrow(() -> new UsageException("no other node answers"));
      ManagedChannel channel = target.channel(other.clientAddress());
      try {
        target.asAdmin(NodeAdminGrpc.newBlockingStub(channel))
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .drain(DrainRequest.newBuilder().setNodeId(id).build());
      } catch (StatusRuntimeException e) {
        System.err.println("rlctl: " + e.getStatus().getCode() + ": "
            + e.getStatus().getDescription());
        return Rlctl.EXIT_FAILURE;
      } finally {
        channel.shutdownNow();
      }
      System.out.printf("draining %s ...%n", id);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
      while (true) {
        Optional<NodeStatus> status =
            AdminClient.status(other.clientAddress(), target.credentials(), 2000);
        if (status.isPresent() && !status.get().getMembersList().contains(id)) {
          break;
        }
        if (System.nanoTime() > deadline) {
          System.err.println("rlctl: " + id + " not drained within " + waitSeconds
              + " s; it keeps running (see 'rlctl cluster status')");
          return Rlctl.EXIT_UNAVAILABLE;
        }
        Thread.sleep(500);
      }
      if (!target.local()) {
        System.out.printf("%s drained and removed from the cluster; stop its process and delete "
            + "its data directory on its host (it never joins again under this id)%n", id);
        return 0;
      }
      Path dir = target.dir();
      if (leaving.pid() != null) {
        NodeProcesses.find(leaving.pid())
            .ifPresent(p -> NodeProcesses.stop(p, Duration.ofSeconds(15)));
      }
      EndpointsFile.write(dir, EndpointsFile.read(dir).stream()
          .filter(e -> !e.nodeId().equals(id)).toList());
      ClusterLayout shrunk = ClusterLayout.load(dir).withoutPeer(id);
      shrunk.save(dir);
      HttpEndpointsFile.write(dir, shrunk);
      Path data = dir.resolve(id);
      LocalCluster.deleteRecursively(data);
      System.out.printf("%s drained, removed and stopped; its data in %s deleted%n", id, data);
      return 0;
    }
  }
}
