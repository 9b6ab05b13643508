package io.raftlimiter.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path dir;

  /** A node without TLS, allowed to run so on purpose. */
  private NodeConfig.Builder minimal() {
    return withoutSecurity().set("security.allow-insecure", "true");
  }

  private NodeConfig.Builder withoutSecurity() {
    return NodeConfig.newBuilder()
        .set(NodeConfigKeys.NODE_ID, "n1")
        .set(NodeConfigKeys.DATA_DIR, dir)
        .set(NodeConfigKeys.RAFT_PORT, 7000)
        .set(NodeConfigKeys.CLIENT_PORT, 7001);
  }

  @Test
  void aNodeWithoutTlsRefusesToStartUnlessInsecureOnPurpose() {
    ConfigException open = assertThrows(ConfigException.class, () -> withoutSecurity().build());
    assertTrue(open.getMessage().startsWith("security.allow-insecure: "), open.getMessage());
    assertTrue(open.getMessage().contains("the calls that change the cluster"), open.getMessage());
    assertTrue(open.getMessage().contains("security.allow-insecure=true"), open.getMessage());
    // An admin token guards the admin calls, but without TLS Forward and the Raft port stay open.
    ConfigException tokenOnly = assertThrows(ConfigException.class, () -> withoutSecurity()
        .set(NodeConfigKeys.ADMIN_TOKEN_FILE, dir.resolve("admin.token")).build());
    assertTrue(tokenOnly.getMessage().contains("Forward"), tokenOnly.getMessage());
    ConfigException notTrue = assertThrows(ConfigException.class, () -> withoutSecurity()
        .set("security.allow-insecure", "yes"));
    assertTrue(notTrue.getMessage().startsWith("security.allow-insecure: "), notTrue.getMessage());

    assertFalse(withoutSecurity().set("security.allow-insecure", "true").build().tls());
    NodeConfig tls = withoutSecurity()
        .set(NodeConfigKeys.TLS_CERT_FILE, Path.of("n.crt"))
        .set(NodeConfigKeys.TLS_KEY_FILE, Path.of("n.key"))
        .set(NodeConfigKeys.TLS_CA_FILE, Path.of("ca.crt"))
        .set(NodeConfigKeys.NODE_SUBJECTS, "CN=node-*").build();
    assertTrue(tls.tls(), "TLS needs no opt-in");
  }

  @Test
  void aCarriedLimitMayOnlyLowerTheOperatorsByDefault() {
    assertEquals(RequestLimitPolicy.LOWER_ONLY,
        minimal().build().get(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE));
  }

  @Test
  void defaultsAndSelf() {
    NodeConfig config = minimal().build();
    assertEquals(100L, config.defaultLimit().capacity());
    assertEquals(10.0, config.defaultLimit().refillPerSecond());
    assertEquals(new PeerAddress("n1", "127.0.0.1", 7000, 7001), config.self());
    assertEquals(1, config.peers().size());
  }

  @Test
  void laterSourcesWin() throws IOException {
    Path file = dir.resolve("node.properties");
    Files.writeString(file, "limit.default.capacity=7\nlimit.default.refill-per-second=3\n");
    NodeConfig config = minimal()
        .loadFile(file)
        .loadEnvironment(Map.of("RAFTLIMITER_LIMIT_DEFAULT_CAPACITY", "8"))
        .build();
    assertEquals(8L, config.defaultLimit().capacity());
    assertEquals(3.0, config.defaultLimit().refillPerSecond());
    assertEquals(9L, config.toBuilder().set("limit.default.capacity", "9").build()
        .defaultLimit().capacity());
  }

  @Test
  void wrongValuesNameTheSettingAndTheRange() {
    ConfigException port = assertThrows(ConfigException.class,
        () -> minimal().set("node.raft-port", "70000"));
    assertEquals("node.raft-port: '70000' is out of range; allowed: an integer from 1 to 65535",
        port.getMessage());
    ConfigException text = assertThrows(ConfigException.class,
        () -> minimal().set("batch.max-ops", "lots"));
    assertTrue(text.getMessage().startsWith("batch.max-ops: 'lots' is not valid"), text.getMessage());
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> minimal().set("no.such", "1"));
    assertEquals("unknown setting 'no.such'", unknown.getMessage());
    ConfigException env = assertThrows(ConfigException.class,
        () -> minimal().loadEnvironment(Map.of("RAFTLIMITER_REQUEST_TIMEOUT_MS", "5")));
    assertTrue(env.getMessage().contains("request.timeout-ms"), env.getMessage());
  }

  @Test
  void wholeConfigChecks() {
    assertThrows(ConfigException.class, () -> NodeConfig.newBuilder().build());
    ConfigException timeouts = assertThrows(ConfigException.class, () -> minimal()
        .set(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS, 500)
        .set(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS, 400).build());
    assertTrue(timeouts.getMessage().contains("raft.election-timeout-max-ms"), timeouts.getMessage());
    ConfigException clash = assertThrows(ConfigException.class, () -> minimal()
        .set(NodeConfigKeys.PEERS, "n1=127.0.0.1:9000:9001,n2=127.0.0.1:9002:9003").build());
    assertTrue(clash.getMessage().contains("cluster.peers"), clash.getMessage());
  }

  @Test
  void nodesListenOnTheBindAddressAndAreReachedAtTheirHost() {
    NodeConfig plain = minimal().build();
    assertEquals(plain.get(NodeConfigKeys.HOST), plain.bindHost());
    NodeConfig split = minimal().set("node.host", "rl-1.example").set("node.bind", "0.0.0.0")
        .build();
    assertEquals("0.0.0.0", split.bindHost());
    assertEquals("rl-1.example", split.self().host(), "peers and clients reach it at its host");
    assertThrows(ConfigException.class, () -> minimal().set("node.bind", "not an address"));
    NodeConfig advertised = minimal().set("node.host", "10.0.0.5")
        .set("node.advertise", "rl-1.example").build();
    assertEquals("10.0.0.5", advertised.bindHost(), "it listens at node.host");
    assertEquals("rl-1.example", advertised.self().host(), "and is reached at node.advertise");
    NodeConfig both = minimal().set("node.advertise", "rl-2.example").set("node.bind", "0.0.0.0")
        .build();
    assertEquals("0.0.0.0", both.bindHost());
    assertEquals("rl-2.example", both.self().host());
    assertTrue(both.peers().contains(both.self()));
    assertThrows(ConfigException.class, () -> minimal().set("node.advertise", "a b"));
  }

  @Test
  void theRaftServerListensOnItsBindPortAndIsReachedAtItsRaftPort() {
    NodeConfig plain = minimal().build();
    assertEquals(plain.get(NodeConfigKeys.RAFT_PORT), plain.raftBindPort());
    int listed = plain.get(NodeConfigKeys.RAFT_PORT);
    NodeConfig proxied = minimal().set("node.raft-bind-port", "17001")
        .set("cluster.peers", "n1=127.0.0.1:" + listed + ":" + plain.get(NodeConfigKeys.CLIENT_PORT))
        .build();
    assertEquals(17001, proxied.raftBindPort());
    assertEquals(listed, proxied.self().raftPort(), "the peers list still names the reached port");
    assertThrows(ConfigException.class, () -> minimal().set("node.raft-bind-port", "0"));
  }

  @Test
  void tlsTakesAllThreeFilesAndTheNodeSubjects() {
    ConfigException partial = assertThrows(ConfigException.class, () -> minimal()
        .set(NodeConfigKeys.TLS_CERT_FILE, Path.of("n.crt"))
        .set(NodeConfigKeys.TLS_KEY_FILE, Path.of("n.key")).build());
    assertTrue(partial.getMessage().contains("security.tls-ca-file"), partial.getMessage());
    ConfigException nodes = assertThrows(ConfigException.class, () -> minimal()
        .set(NodeConfigKeys.TLS_CERT_FILE, Path.of("n.crt"))
        .set(NodeConfigKeys.TLS_KEY_FILE, Path.of("n.key"))
        .set(NodeConfigKeys.TLS_CA_FILE, Path.of("ca.crt")).build());
    assertTrue(nodes.getMessage().contains("security.node-subjects"), nodes.getMessage());
    ConfigException subject = assertThrows(ConfigException.class,
        () -> minimal().set("security.admin-subjects", "CN=admin;not a name"));
    assertTrue(subject.getMessage().contains("security.admin-subjects")
        && subject.getMessage().contains("not a name"), subject.getMessage());
    assertEquals(ClientAuth.OPTIONAL,
        minimal().set("security.client-auth", "optional").build()
            .get(NodeConfigKeys.CLIENT_AUTH));
  }

  @Test
  void peersParseAndListThisNodeFirstWhenUnlisted() {
    NodeConfig config = minimal()
        .set(NodeConfigKeys.PEERS, "n2=127.0.0.1:7002:7003, n3=localhost:7004:7005")
        .build();
    assertEquals(3, config.peers().size());
    assertEquals("n1", config.peers().get(0).id());
    assertEquals("localhost:7005", config.peers().get(2).clientAddress());
    assertThrows(ConfigException.class, () -> PeerAddress.parseList("n2=h:1:2,n2=h:3:4"));
    assertThrows(ConfigException.class, () -> PeerAddress.parse("n2=h:1"));
    assertThrows(ConfigException.class, () -> PeerAddress.parse("n2=h:0:5"));
  }

  @Test
  void ratisSettingsPassThroughVerbatim() {
    NodeConfig config = minimal().set("ratis.raft.server.log.force.sync.num", " 64 ").build();
    assertEquals(Map.of("raft.server.log.force.sync.num", "64"), config.ratisOverrides());
    assertEquals(config.ratisOverrides(), config.toBuilder().build().ratisOverrides());
    ConfigException notRatis = assertThrows(ConfigException.class,
        () -> minimal().set("ratis.server.x", "1"));
    assertTrue(notRatis.getMessage().contains("start with 'raft.'"), notRatis.getMessage());
  }
}
