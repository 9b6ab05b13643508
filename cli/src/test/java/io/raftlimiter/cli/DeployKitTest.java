package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.ConfigKey;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment kit in {@code deploy/} says only what a node accepts: every example properties
 * file loads as a valid configuration of a consistent 5-node cluster, and every
 * {@code RAFTLIMITER_*} variable the container files set is a real setting. There is no
 * container engine or Kubernetes here to run the files themselves (docs/DEPLOY.md says what
 * else was checked).
 */
class DeployKitTest {
  private static final Path DEPLOY = Path.of("..", "deploy");

  @Test
  void theFiveExampleConfigurationsFormOneCluster() throws IOException {
    Set<String> ids = new TreeSet<>();
    Set<String> peerLists = new HashSet<>();
    for (int i = 1; i <= 5; i++) {
      NodeConfig config = NodeConfig.newBuilder()
          .loadFile(DEPLOY.resolve("config").resolve("rl-" + i + ".properties")).build();
      ids.add(config.nodeId());
      peerLists.add(config.get(NodeConfigKeys.PEERS));
      assertEquals("0.0.0.0", config.bindHost());
      assertEquals(5, config.peers().size(), "n" + i + " finds itself among the peers");
      assertTrue(config.peers().contains(config.self()), config.self().toString());
      assertEquals(Integer.valueOf(7102), config.get(NodeConfigKeys.HTTP_PORT));
    }
    assertEquals(Set.of("n1", "n2", "n3", "n4", "n5"), ids);
    assertEquals(1, peerLists.size(), "every host lists the same members");
  }

  /** Every file that starts a node's JVM has it exit on an out-of-memory error. */
  @Test
  void everyNodeJvmExitsOnOutOfMemory() throws IOException {
    for (Path file : List.of(DEPLOY.resolve("docker/Dockerfile"),
        DEPLOY.resolve("k8s/raftlimiter.yaml"), DEPLOY.resolve("systemd/raftlimiter.service"),
        Path.of("..", "scripts", "rlctl"))) {
      assertTrue(Files.readString(file).contains("-XX:+ExitOnOutOfMemoryError"), file.toString());
    }
  }

  @Test
  void containerFilesSetOnlyRealSettings() throws IOException {
    Set<String> known = new HashSet<>();
    for (ConfigKey<?> key : NodeConfigKeys.ALL) {
      known.add(key.environmentVariable());
    }
    Pattern variable = Pattern.compile("RAFTLIMITER_[A-Z0-9_]+");
    for (Path file : List.of(DEPLOY.resolve("docker/Dockerfile"),
        DEPLOY.resolve("docker/compose.yaml"), DEPLOY.resolve("k8s/raftlimiter.yaml"))) {
      Matcher m = variable.matcher(Files.readString(file));
      boolean any = false;
      while (m.find()) {
        any = true;
        assertTrue(known.contains(m.group()), file + " sets " + m.group() + ", no setting");
      }
      assertTrue(any, file + " sets no setting at all");
    }
    String unit = Files.readString(DEPLOY.resolve("systemd/raftlimiter.service"));
    assertTrue(unit.contains(Rlctl.class.getName() + " node --config"), unit);
    assertFalse(unit.contains("--host"), "the unit takes everything from the properties file");
  }
}
