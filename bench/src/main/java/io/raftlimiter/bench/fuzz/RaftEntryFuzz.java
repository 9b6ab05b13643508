package io.raftlimiter.bench.fuzz;

import io.grpc.Channel;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.NodeStatus;
import io.raftlimiter.api.admin.v1.StatusRequest;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.data.ClusterGroups;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

/**
 * The Raft side of the wire fuzz: {@link RaftEntryInputs} proposed straight to the groups' Raft
 * port, as a peer could, with node {@code n1}'s certificate when the cluster runs TLS (without
 * one the port would not take them at all). Every entry must be refused in
 * {@code startTransaction} or, if a mutation left it well-formed, applied; afterwards every
 * replica of every data group must still apply, to the same index: a failed apply stops a
 * replica for good.
 */
final class RaftEntryFuzz {
  private RaftEntryFuzz() {}

  /** What the entries got, what should not have happened, and whether the replicas agree. */
  record Result(Map<String, Map<String, LongAdder>> tally, List<String> violations,
      String replicas) {
    boolean holds() {
      return violations.isEmpty() && replicas.startsWith("all ");
    }
  }

  static Result run(Path clusterDir, long entries, long seed, int concurrency,
      List<? extends Channel> nodes, PrintStream out) throws IOException, InterruptedException {
    List<PeerAddress> peers = peers(clusterDir);
    Parameters parameters = nodeTls(clusterDir);
    Map<String, Map<String, LongAdder>> tally = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    RaftEntryInputs inputs = new RaftEntryInputs(seed);
    Semaphore inFlight = new Semaphore(concurrency);
    long start = System.nanoTime();
    try (RaftClient data = client(ClusterGroups.dataGroup(0, peers), parameters);
        RaftClient metadata = client(ClusterGroups.metaGroup(peers), parameters)) {
      for (long i = 0; i < entries; i++) {
        RaftEntryInputs.Entry entry = inputs.next();
        inFlight.acquire();
        CompletableFuture<RaftClientReply> reply = (entry.metadata() ? metadata : data).async()
            .send(Message.valueOf(ByteString.copyFrom(entry.bytes())));
        reply.whenComplete((answer, error) -> {
          judge(entry, answer, error, tally, violations);
          inFlight.release();
        });
        if ((i + 1) % 20_000 == 0) {
          out.printf("%,d Raft entries proposed, %.0f s%n", i + 1,
              (System.nanoTime() - start) / 1e9);
        }
      }
      inFlight.acquire(concurrency);
    }
    return new Result(tally, List.copyOf(violations), replicasAgree(nodes));
  }

  private static void judge(RaftEntryInputs.Entry entry, RaftClientReply answer, Throwable error,
      Map<String, Map<String, LongAdder>> tally, ConcurrentLinkedQueue<String> violations) {
    Throwable failure = error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (failure == null && answer != null && !answer.isSuccess()) {
      failure = answer.getException();
    }
    String outcome;
    if (failure == null) {
      outcome = "applied";
    } else if (failure instanceof StateMachineException) {
      outcome = "refused before the log";
    } else {
      outcome = failure.getClass().getSimpleName();
      violations.add((entry.metadata() ? "metadata " : "") + entry.kind() + ": " + failure);
    }
    tally.computeIfAbsent((entry.metadata() ? "metadata: " : "data: ") + entry.kind(),
        k -> new ConcurrentHashMap<>()).computeIfAbsent(outcome, o -> new LongAdder()).increment();
  }

  /**
   * Whether every node still has every data group it hosts as leader or follower, at one
   * applied index per group, within 30 s of the last entry.
   */
  private static String replicasAgree(List<? extends Channel> nodes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = "";
    while (System.nanoTime() < deadline) {
      Map<Integer, List<Long>> applied = new TreeMap<>();
      boolean healthy = true;
      for (Channel node : nodes) {
        NodeStatus status;
        try {
          status = NodeAdminGrpc.newBlockingStub(node).withDeadlineAfter(5, TimeUnit.SECONDS)
              .status(StatusRequest.getDefaultInstance());
        } catch (RuntimeException e) {
          healthy = false;
          last = "a node does not answer its status: " + e;
          continue;
        }
        for (GroupStatus group : status.getGroupsList()) {
          healthy &= group.getRole().equals("LEADER") || group.getRole().equals("FOLLOWER");
          applied.computeIfAbsent(group.getIndex(), g -> new ArrayList<>())
              .add(group.getAppliedIndex());
        }
      }
      boolean same = applied.values().stream()
          .allMatch(indexes -> indexes.size() == nodes.size()
              && indexes.stream().distinct().count() == 1);
      if (healthy && same && !applied.isEmpty()) {
        return "all " + nodes.size() + " replicas of each group applied to " + applied;
      }
      last = "replicas: applied " + applied + (healthy ? "" : ", a replica not serving");
      Thread.sleep(500);
    }
    return last;
  }

  private static RaftClient client(RaftGroup group, Parameters parameters) {
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(10, TimeUnit.SECONDS));
    return RaftClient.newBuilder().setRaftGroup(group).setProperties(properties)
        .setParameters(parameters)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
            TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
        .build();
  }

  /** Node n1's certificate when the cluster runs TLS, else nothing (plaintext). */
  private static Parameters nodeTls(Path clusterDir) {
    Parameters parameters = new Parameters();
    Path tls = clusterDir.resolve("tls");
    if (Files.exists(tls.resolve("node-n1.crt"))) {
      GrpcConfigKeys.TLS.setConf(parameters, new GrpcTlsConfig(
          tls.resolve("node-n1.key").toFile(), tls.resolve("node-n1.crt").toFile(),
          tls.resolve("ca.crt").toFile(), true));
    }
    return parameters;
  }

  /** The members as {@code rlctl cluster up} saved them in {@code D/cluster.properties}. */
  private static List<PeerAddress> peers(Path clusterDir) throws IOException {
    Properties layout = new Properties();
    try (Reader reader = Files.newBufferedReader(clusterDir.resolve("cluster.properties"))) {
      layout.load(reader);
    }
    return PeerAddress.parseList(layout.getProperty("peers", ""));
  }
}
