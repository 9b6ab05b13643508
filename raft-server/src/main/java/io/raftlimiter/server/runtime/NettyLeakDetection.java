package io.raftlimiter.server.runtime;

import java.util.List;
import java.util.Properties;

/**
 * Netty's buffer leak detector, off in node processes unless the operator asks for it. By
 * default it tracks one buffer in 128 with a stack trace taken at allocation and at every touch:
 * 2.5% of a node's CPU under EVENTUAL load (async-profiler, BENCHMARKS.md), for a debugging aid
 * that only logs. A node carries two copies of Netty (gRPC's, for the client port and forwarding,
 * and Ratis', for the log), each with its own detector and its own property names.
 */
public final class NettyLeakDetection {
  /** The properties either copy reads its level from; any one set means the operator chose. */
  static final List<String> LEVEL_PROPERTIES = List.of(
      "io.netty.leakDetection.level", "io.netty.leakDetectionLevel",
      "io.grpc.netty.shaded.io.netty.leakDetection.level",
      "io.grpc.netty.shaded.io.netty.leakDetectionLevel",
      "org.apache.ratis.thirdparty.io.netty.leakDetection.level",
      "org.apache.ratis.thirdparty.io.netty.leakDetectionLevel");

  private NettyLeakDetection() {}

  /** Whether {@code properties} set a leak detection level for either copy of Netty. */
  static boolean configured(Properties properties) {
    return LEVEL_PROPERTIES.stream().anyMatch(properties::containsKey);
  }

  /**
   * Turns both detectors off unless a system property sets a level (then that level stays, for
   * whoever is hunting a leak). Returns whether it turned them off.
   */
  public static boolean disableUnlessConfigured() {
    if (configured(System.getProperties())) {
      return false;
    }
    io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.setLevel(
        io.grpc.netty.shaded.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.setLevel(
        org.apache.ratis.thirdparty.io.netty.util.ResourceLeakDetector.Level.DISABLED);
    return true;
  }
}
