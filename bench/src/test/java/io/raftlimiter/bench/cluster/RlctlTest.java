package io.raftlimiter.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RlctlTest {
  @Test
  void findsTheScriptFromTheBenchClassesOrJar() {
    Path expected = Path.of("/repo/scripts/rlctl");
    assertEquals(expected, Rlctl.scriptUnder(Path.of("/repo/bench/target/classes")));
    assertEquals(expected, Rlctl.scriptUnder(Path.of("/repo/bench/target/raftlimiter-bench.jar")));
  }

  @Test
  void upPassesTheClusterAsUsersWould() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("ratis.log.segment-size", "8MB");
    settings.put("eventual.sync-ms", "50");
    List<String> args = Rlctl.upArguments(Path.of("/tmp/c"),
        new ClusterSpec(3, 12, 100, 50, settings, "-Xmx512m -XX:+UseParallelGC", false));
    assertEquals(List.of("cluster", "up", "--dir", "/tmp/c", "--nodes", "3", "--groups", "12",
        "--capacity", "100", "--refill", "50.0", "--jvm-opts=-Xmx512m -XX:+UseParallelGC",
        "--set", "ratis.log.segment-size=8MB", "--set", "eventual.sync-ms=50"), args);
    assertEquals(List.of("cluster", "up", "--dir", "/tmp/c", "--nodes", "1", "--groups", "1",
        "--capacity", "5", "--refill", "0.5", "--tls"), Rlctl.upArguments(Path.of("/tmp/c"),
        new ClusterSpec(1, 1, 5, 0.5, Map.of(), null, true)));
    assertEquals(List.of("cluster", "down", "--dir", "/tmp/c"),
        Rlctl.downArguments(Path.of("/tmp/c")));
  }
}
