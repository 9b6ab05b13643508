package io.raftlimiter.bench.floor;

import io.raftlimiter.bench.cluster.LoopbackPorts;
import io.raftlimiter.bench.load.Answered;
import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.server.runtime.NodeJvm;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The floor of a Raft entry on this machine: one Ratis group of node processes started like
 * {@code rlctl cluster up} starts nodes (the same {@code java}, JVM options and Ratis settings)
 * around a state machine that applies nothing ({@link RaftFloorNode}), and Ratis' own client in
 * the bench's JVM proposing entries the size of a STRONG group commit. A call is one entry, so
 * the row's decisions/s are entries/s and its CPU per decision is the nodes' CPU per entry: what
 * the rate limiter's entries cannot cost less than.
 */
public final class RaftFloor implements Target {
  private static final RaftGroupId GROUP_ID =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("raftlimiter-raft-floor".getBytes(
          StandardCharsets.UTF_8)));
  private static final Duration STARTUP = Duration.ofSeconds(60);

  private final List<Process> processes;
  private final RaftClient client;
  private final Message entry;

  private RaftFloor(List<Process> processes, RaftClient client, Message entry) {
    this.processes = processes;
    this.client = client;
    this.entry = entry;
  }

  /**
   * Starts {@code nodes} replicas with {@code jvmOptions} (null: rlctl's default), their data
   * and logs under {@code dir}, and waits until the group commits an entry.
   *
   * @param opsPerEntry acquires in each proposed entry, encoded as the rate limiter encodes them
   */
  public static RaftFloor start(int nodes, String jvmOptions, Path dir, int opsPerEntry,
      PrintStream log) throws IOException, InterruptedException {
    List<String> peers = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      peers.add("f" + i + "=127.0.0.1:" + LoopbackPorts.free());
    }
    String peerList = String.join(",", peers);
    List<Process> processes = new ArrayList<>();
    RaftClient client = null;
    try {
      for (String peer : peers) {
        String id = peer.substring(0, peer.indexOf('='));
        List<String> command = new ArrayList<>(NodeJvm.command(
            jvmOptions == null ? NodeJvm.DEFAULT_OPTIONS : jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
            RaftFloorNode.class.getName(), id, dir.resolve(id).toString(), peerList));
        Files.createDirectories(dir.resolve(id));
        processes.add(new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve(id + ".log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
      }
      client = RaftClient.newBuilder().setRaftGroup(group(peerList))
          .setProperties(new RaftProperties()).build();
      Message entry = entry(opsPerEntry);
      awaitCommit(client, entry, processes);
      log.printf("raft floor: %d node processes, pids %s, entries of %d ops (%d bytes)%n", nodes,
          processes.stream().map(Process::pid).toList(), opsPerEntry, entry.size());
      return new RaftFloor(processes, client, entry);
    } catch (IOException | InterruptedException | RuntimeException e) {
      stop(client, processes);
      throw e;
    }
  }

  /** The group of {@code peers}, written {@code id=host:port,...}. */
  static RaftGroup group(String peers) {
    List<RaftPeer> members = new ArrayList<>();
    for (String peer : peers.split(",")) {
      String[] idAndAddress = peer.split("=", 2);
      members.add(RaftPeer.newBuilder().setId(idAndAddress[0]).setAddress(idAndAddress[1])
          .build());
    }
    return RaftGroup.valueOf(GROUP_ID, members);
  }

  private static Message entry(int opsPerEntry) {
    BucketLimit limit = BucketLimit.of(100, 50.0);
    List<BucketOp> ops = new ArrayList<>(opsPerEntry);
    for (int i = 0; i < opsPerEntry; i++) {
      ops.add(BucketOp.of("key-" + (10_000 + i), 1, limit));
    }
    return Message.valueOf(ByteString.copyFrom(LogEntryCodec.encode(0, ops)));
  }

  private static void awaitCommit(RaftClient client, Message entry, List<Process> processes)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (true) {
      for (Process process : processes) {
        if (!process.isAlive()) {
          throw new IOException("raft floor node (pid " + process.pid() + ") exited with "
              + process.exitValue() + " while starting");
        }
      }
      try {
        client.async().send(entry).get(5, TimeUnit.SECONDS);
        return;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("the raft floor's group committed nothing within "
              + STARTUP.toSeconds() + " s", e);
        }
        Thread.sleep(200);
      }
    }
  }

  public List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    return client.async().send(entry).thenApply(reply -> {
      if (!reply.isSuccess()) {
        throw new IllegalStateException("raft floor entry failed: " + reply.getException());
      }
      return Answered.of(new boolean[keys.length]);
    });
  }

  @Override
  public boolean decides() {
    return false;
  }

  @Override
  public void close() {
    stop(client, processes);
  }

  private static void stop(RaftClient client, List<Process> processes) {
    if (client != null) {
      try {
        client.close();
      } catch (IOException e) {
        // the nodes go next anyway
      }
    }
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
