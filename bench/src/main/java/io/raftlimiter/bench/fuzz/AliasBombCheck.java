package io.raftlimiter.bench.fuzz;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Channel;
import io.raftlimiter.bench.cluster.Rlctl;
import io.raftlimiter.server.local.FreePorts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An Envoy descriptor file whose YAML anchors and aliases make a few kilobytes expand into tens
 * of millions of descriptors ("billion laughs"), which a node that built the whole tree would
 * run out of memory on. Put in place of a node's good file, it must be refused at reload while
 * the node keeps its limits and keeps answering; given to a node at start, the node must refuse
 * to start, naming the file.
 */
final class AliasBombCheck {
  /** The node's good file: 3 an hour per client, the limit checked before and after. */
  static final String GOOD_CONFIG = "domain: fz\ndescriptors:\n"
      + "  - key: client\n    rate_limit: {unit: hour, requests_per_unit: 3}\n";
  /** 2^26 descriptors, in about 2 KB. */
  static final int LEVELS = 25;
  private static final String FAILURES = "raftlimiter_envoy_config_reload_failures_total";
  private static final Duration RELOAD_WITHIN = Duration.ofSeconds(20);
  private static final Duration START_REFUSED_WITHIN = Duration.ofMinutes(3);

  private AliasBombCheck() {}

  /**
   * Level {@code i} is a list of two descriptors that each hold level {@code i - 1} by alias:
   * each level doubles the tree, while the text grows by a line.
   */
  static String bomb(int levels) {
    StringBuilder yaml = new StringBuilder("domain: fz\ndescriptors:\n");
    for (int i = 0; i < levels; i++) {
      String below = i == 0 ? "" : ", descriptors: *level" + (i - 1);
      yaml.append("  - key: level").append(i).append("\n    descriptors: &level").append(i)
          .append(" [{key: left").append(below).append("}, {key: right").append(below)
          .append("}]\n");
    }
    return yaml.toString();
  }

  /** Whether a bomb written over {@code config} was refused, the old limits kept, health up. */
  static boolean atReload(Channel channel, Path config, NodeHttp http, PrintStream out)
      throws IOException, InterruptedException {
    boolean before = decidesByTheFile(channel, "before");
    double failuresBefore = http.metric(FAILURES);
    Path temp = config.resolveSibling(config.getFileName() + ".tmp");
    Files.writeString(temp, bomb(LEVELS));
    Files.move(temp, config, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    long deadline = System.nanoTime() + RELOAD_WITHIN.toNanos();
    double failures = failuresBefore;
    while (failures <= failuresBefore && System.nanoTime() < deadline) {
      Thread.sleep(200);
      failures = http.metric(FAILURES);
    }
    boolean refused = failures > failuresBefore;
    boolean healthy = http.healthy();
    boolean kept = decidesByTheFile(channel, "after");
    boolean holds = before && refused && healthy && kept;
    out.printf("alias bomb at reload (%d levels, %,d bytes): refused %s (%s %.0f -> %.0f); "
        + "/healthz %s; the previous limits still decide: %s: %s%n", LEVELS,
        bomb(LEVELS).length(), refused, FAILURES, failuresBefore, failures, healthy ? 200 : "down",
        kept, holds ? "OK" : "NOT OK" + (before ? "" : " (the good file never decided)"));
    return holds;
  }

  /** Whether a node given the bomb at start refused to start, naming the file. */
  static boolean atStart(Rlctl rlctl, Path dir, PrintStream out)
      throws IOException, InterruptedException {
    Path bomb = dir.resolve("alias-bomb.yaml");
    Files.writeString(bomb, bomb(LEVELS));
    Path output = dir.resolve("alias-bomb-node.out");
    int exit = rlctl.exitCode(List.of("node", "--id", "fz-bomb",
        "--dir", dir.resolve("alias-bomb-node").toString(),
        "--raft-port", Integer.toString(FreePorts.next()),
        "--client-port", Integer.toString(FreePorts.next()),
        "--set", "security.allow-insecure=true", "--set", "envoy.config=" + bomb),
        output, START_REFUSED_WITHIN);
    boolean named = Files.readString(output).contains(bomb.getFileName().toString());
    boolean holds = exit != 0 && named;
    out.printf("alias bomb at start: the node exited %d, %s the file: %s%n", exit,
        named ? "naming" : "NOT naming", holds ? "OK" : "NOT OK");
    return holds;
  }

  /** A fresh client of the good file's limit: 3 admitted, the 4th over the limit. */
  private static boolean decidesByTheFile(Channel channel, String client) {
    RateLimitRequest request = RateLimitRequest.newBuilder().setDomain("fz")
        .addDescriptors(RateLimitDescriptor.newBuilder().addEntries(RateLimitDescriptor.Entry
            .newBuilder().setKey("client").setValue(client))).build();
    int ok = 0;
    for (int i = 0; i < 4; i++) {
      RateLimitResponse answer = RateLimitServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS).shouldRateLimit(request);
      ok += answer.getOverallCode() == RateLimitResponse.Code.OK ? 1 : 0;
    }
    return ok == 3;
  }
}
