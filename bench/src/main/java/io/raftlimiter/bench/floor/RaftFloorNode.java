package io.raftlimiter.bench.floor;

import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.data.RaftTuning;
import io.raftlimiter.server.runtime.CommonPool;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;

/**
 * One replica of the Raft floor's group, as a process of its own: a Ratis server with a node's
 * Ratis settings ({@link RaftTuning}) and the JVM setup of {@code rlctl node}, around a
 * {@link NoOpStateMachine}. Arguments: {@code <id> <data dir> <peers>}, the peers as
 * {@link RaftFloor#group} reads them. Runs until killed.
 */
public final class RaftFloorNode {
  private RaftFloorNode() {}

  public static void main(String[] args) throws Exception {
    CommonPool.shareUnlessConfigured(); // as rlctl node does, first
    if (args.length != 3) {
      System.err.println("usage: RaftFloorNode <id> <data dir> <id=host:port,...>");
      System.exit(2);
    }
    String id = args[0];
    RaftGroup group = RaftFloor.group(args[2]);
    String address = group.getPeer(RaftPeerId.valueOf(id)).getAddress();
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    NodeConfig config = NodeConfig.newBuilder()
        .set(NodeConfigKeys.NODE_ID, id)
        .set(NodeConfigKeys.DATA_DIR, Path.of(args[1]))
        .set(NodeConfigKeys.RAFT_PORT, port)
        .set(NodeConfigKeys.CLIENT_PORT, port + 1)
        .set("security.allow-insecure", "true")
        .build();
    RaftProperties properties = RaftTuning.serverProperties(config);
    // Nothing to snapshot; a measured phase is far shorter than a node's snapshot interval.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, false);
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(id))
        .setGroup(group)
        .setStateMachine(new NoOpStateMachine())
        .setProperties(properties)
        .setParameters(RaftTuning.serverParameters(config, new Parameters()))
        .setOption(RaftStorage.StartupOption.FORMAT)
        .build();
    server.start();
    System.out.println("raft floor node " + id + " up on port " + port);
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
