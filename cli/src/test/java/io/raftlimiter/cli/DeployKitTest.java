package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.ConfigKey;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.RequestLimitPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

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
      assertTrue(config.tls(), "n" + i + " runs TLS");
      assertFalse(config.get(NodeConfigKeys.ADMIN_TOKEN_FILE) == null, "n" + i + " has a token");
    }
    assertEquals(Set.of("n1", "n2", "n3", "n4", "n5"), ids);
    assertEquals(1, peerLists.size(), "every host lists the same members");
  }

  /**
   * The StatefulSet's nodes run TLS and take an admin token, their files mounted from Secrets,
   * and the settings it gives a node (with the command line's) make a configuration that starts
   * without security.allow-insecure.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theKubernetesNodesRunTlsAndAnAdminTokenFromSecrets() throws IOException {
    Map<String, Object> container = null;
    Map<String, Object> pod = null;
    String manifest = Files.readString(DEPLOY.resolve("k8s/raftlimiter.yaml"));
    for (Object document : new Yaml().loadAll(manifest)) {
      Map<String, Object> resource = (Map<String, Object>) document;
      if ("StatefulSet".equals(resource.get("kind"))) {
        Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) resource
            .get("spec")).get("template");
        pod = (Map<String, Object>) template.get("spec");
        container = ((List<Map<String, Object>>) pod.get("containers")).get(0);
      }
    }
    assertTrue(container != null, "no StatefulSet");
    Map<String, String> environment = new HashMap<>();
    for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
      if (variable.get("value") != null) {
        environment.put((String) variable.get("name"), variable.get("value").toString());
      }
    }
    assertFalse(environment.containsKey(NodeConfigKeys.ALLOW_INSECURE.environmentVariable()));
    environment.remove(NodeConfigKeys.PEERS.environmentVariable()); // Kubernetes fills $(NAMESPACE)
    NodeConfig config = NodeConfig.newBuilder()
        .loadEnvironment(Map.of("RAFTLIMITER_NODE_ID", "n1", "RAFTLIMITER_NODE_DATA_DIR", "/d",
            "RAFTLIMITER_NODE_RAFT_PORT", "7100", "RAFTLIMITER_NODE_CLIENT_PORT", "7101"))
        .loadEnvironment(environment).build();
    assertTrue(config.tls());
    assertEquals(RequestLimitPolicy.LOWER_ONLY, config.get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE));

    Map<String, String> secretByVolume = new HashMap<>();
    for (Map<String, Object> volume : (List<Map<String, Object>>) pod.get("volumes")) {
      Map<String, Object> secret = (Map<String, Object>) volume.get("secret");
      if (secret != null) {
        secretByVolume.put((String) volume.get("name"), (String) secret.get("secretName"));
      }
    }
    Set<String> secretDirectories = new HashSet<>();
    for (Map<String, Object> mount : (List<Map<String, Object>>) container.get("volumeMounts")) {
      if (secretByVolume.containsKey(mount.get("name"))) {
        secretDirectories.add((String) mount.get("mountPath"));
      }
    }
    for (Path file : List.of(config.get(NodeConfigKeys.TLS_CERT_FILE),
        config.get(NodeConfigKeys.TLS_KEY_FILE), config.get(NodeConfigKeys.TLS_CA_FILE),
        config.get(NodeConfigKeys.ADMIN_TOKEN_FILE))) {
      assertTrue(secretDirectories.contains(file.getParent().toString()),
          file + " is not in a mounted Secret " + secretDirectories);
    }
  }

  /**
   * Only the single-host try-out (compose) runs without TLS, opting in on purpose, and publishes
   * its ports on 127.0.0.1 only; no other shipped file opts in.
   */
  @Test
  void onlyTheLocalTryOutRunsInsecureOnPurpose() throws IOException {
    String compose = Files.readString(DEPLOY.resolve("docker/compose.yaml"));
    assertTrue(compose.contains("RAFTLIMITER_SECURITY_ALLOW_INSECURE: \"true\""), compose);
    Matcher published = Pattern.compile("- \"([^\"]*:\\d+:\\d+)\"").matcher(compose);
    int ports = 0;
    while (published.find()) {
      ports++;
      assertTrue(published.group(1).startsWith("127.0.0.1:"), published.group(1));
    }
    assertEquals(10, ports, "two ports of five nodes");
    List<Path> others = new ArrayList<>(List.of(DEPLOY.resolve("docker/Dockerfile"),
        DEPLOY.resolve("k8s/raftlimiter.yaml"), DEPLOY.resolve("systemd/raftlimiter.service")));
    for (int i = 1; i <= 5; i++) {
      others.add(DEPLOY.resolve("config").resolve("rl-" + i + ".properties"));
    }
    for (Path file : others) {
      String text = Files.readString(file);
      assertFalse(text.contains("ALLOW_INSECURE") || text.contains("allow-insecure ="),
          file.toString());
    }
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

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertLinksToItsRunbookEntry() throws IOException {
    Map<String, Object> rules = new Yaml().load(Files.readString(
        MonitoringKit.DIR.resolve("alerts.yaml")));
    String operations = Files.readString(Path.of("..", "docs", "OPERATIONS.md"));
    List<String> alerts = new ArrayList<>();
    for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        String name = (String) rule.get("alert");
        alerts.add(name);
        Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
        assertEquals("docs/OPERATIONS.md#" + name.toLowerCase(java.util.Locale.ROOT),
            annotations.get("runbook"), name);
        assertTrue(operations.contains("\n#### " + name + "\n"), name + " has no runbook entry");
      }
    }
    // The conditions an on-call engineer must hear of (issue 24): each has an alert.
    for (String wanted : List.of("RaftlimiterGroupWithoutLeader", "RaftlimiterQuorumLost",
        "RaftlimiterUnderReplicated", "RaftlimiterShedding", "RaftlimiterSlowDecisions",
        "RaftlimiterClockSkew", "RaftlimiterTlsReloadFailing", "RaftlimiterDiskFilling")) {
      assertTrue(alerts.contains(wanted), wanted);
    }
  }
}
