package io.raftlimiter.cli;

import io.raftlimiter.server.RaftNode;
import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.runtime.CommonPool;
import io.raftlimiter.server.runtime.NettyLeakDetection;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs one node in the foreground until it is sent SIGTERM or SIGINT. */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = {"Run one raftlimiter node in the foreground.",
        "Settings come from defaults, then --config FILE, then RAFTLIMITER_* environment "
            + "variables, then flags (later wins). Every setting can be given with --set KEY=VALUE."})
final class NodeCommand implements Callable<Integer> {
  @Option(names = "--id", description = "This node's id (node.id).")
  String id;

  @Option(names = "--dir", description = "Data directory (node.data-dir).")
  Path dir;

  @Option(names = "--host", description = "Address to listen at and be reached at (node.host, "
      + "default 127.0.0.1); node.bind and node.advertise split the two.")
  String host;

  @Option(names = "--client-port", description = "gRPC client API port (node.client-port).")
  Integer clientPort;

  @Option(names = "--raft-port", description = "Raft port (node.raft-port).")
  Integer raftPort;

  @Option(names = "--peers", description = "Other members: id=host:raftPort:clientPort,... (cluster.peers).")
  String peers;

  @Option(names = "--capacity", description = "Default bucket capacity (limit.default.capacity).")
  Long capacity;

  @Option(names = "--refill", description = "Default refill per second (limit.default.refill-per-second).")
  Double refill;

  @Option(names = "--config", description = "A properties file of settings.")
  Path configFile;

  @Option(names = "--set", description = "Any setting, KEY=VALUE; repeatable.")
  Map<String, String> settings = new LinkedHashMap<>();

  @Option(names = "--log-level", description = "trace, debug, info, warn or error (default warn).")
  String logLevel;

  @Option(names = "--log-file", paramLabel = "FILE", description = "Log to FILE instead of "
      + "standard error, rolled daily and at 100 MB (gzipped, 7 days, at most 1 GB).")
  Path logFile;

  @Option(names = "--log-format", defaultValue = "text",
      description = "text (dated lines, the default) or json (one object per event).")
  String logFormat;

  @Override
  public Integer call() throws Exception {
    // First, before anything makes a CompletableFuture: later the setting would not take.
    CommonPool.shareUnlessConfigured();
    if (!logFormat.equalsIgnoreCase("text") && !logFormat.equalsIgnoreCase("json")) {
      throw new UsageException("--log-format must be text or json, got " + logFormat);
    }
    if (logLevel != null && !logLevel.toLowerCase(java.util.Locale.ROOT)
        .matches("trace|debug|info|warn|error")) {
      throw new UsageException("--log-level must be trace, debug, info, warn or error, got "
          + logLevel);
    }
    NodeConfig config;
    try {
      config = buildConfig(System.getenv());
    } catch (ConfigException e) {
      throw new UsageException(e.getMessage());
    }
    NettyLeakDetection.disableUnlessConfigured();
    RaftNode node = RaftNode.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "rlctl-node-shutdown"));
    System.out.printf("node %s ready: clients on %s, raft on %s%n", node.id(),
        node.clientAddress(), config.self().raftAddress());
    System.out.flush();
    stopped.await();
    return 0;
  }

  NodeConfig buildConfig(Map<String, String> environment) {
    NodeConfig.Builder builder = NodeConfig.newBuilder();
    if (configFile != null) {
      builder.loadFile(configFile);
    }
    builder.loadEnvironment(environment);
    settings.forEach(builder::set);
    if (id != null) {
      builder.set(NodeConfigKeys.NODE_ID.name(), id);
    }
    if (dir != null) {
      builder.set(NodeConfigKeys.DATA_DIR, dir);
    }
    if (host != null) {
      builder.set(NodeConfigKeys.HOST.name(), host);
    }
    if (clientPort != null) {
      builder.set(NodeConfigKeys.CLIENT_PORT, clientPort);
    }
    if (raftPort != null) {
      builder.set(NodeConfigKeys.RAFT_PORT, raftPort);
    }
    if (peers != null) {
      builder.set(NodeConfigKeys.PEERS.name(), peers);
    }
    if (capacity != null) {
      builder.set(NodeConfigKeys.DEFAULT_CAPACITY, capacity);
    }
    if (refill != null) {
      builder.set(NodeConfigKeys.DEFAULT_REFILL, refill);
    }
    return builder.build();
  }
}
