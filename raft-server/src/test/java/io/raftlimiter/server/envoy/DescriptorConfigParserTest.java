package io.raftlimiter.server.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit.Unit;
import io.raftlimiter.bucket.BucketLimit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Configuration files in the format of Envoy's ratelimit service are looked up as that service
 * looks them up (exact value, then a value prefix, then any value; the limit of the node the
 * last entry reaches), and every malformed file is refused with the file and field named.
 */
class DescriptorConfigParserTest {
  private static final String EDGE = """
      domain: edge
      descriptors:
        - key: remote_address
          rate_limit:
            unit: minute
            requests_per_unit: 60
        - key: remote_address
          value: 10.0.0.1
          rate_limit: {unit: second, requests_per_unit: 5, name: trusted}
        - key: remote_address
          value: 192.168.*
          rate_limit: {unit: HOUR, requests_per_unit: 7}
        - key: path
          value: /login
          shadow_mode: true
          rate_limit: {unit: second, requests_per_unit: 2}
          descriptors:
            - key: remote_address
              rate_limit: {unit: day, requests_per_unit: 20}
        - key: path
          value: /health
          rate_limit: {unlimited: true}
        - key: tenant
          descriptors:
            - key: plan
              value: free
              rate_limit: {unit: second, requests_per_unit: 0}
        - key: port
          value: 08
          rate_limit: {unit: week, requests_per_unit: 1000}
      """;

  @Test
  void looksUpAsEnvoysRatelimitServiceDoes() throws Exception {
    DescriptorConfig config = DescriptorConfigParser.parse(Map.of("edge.yaml", EDGE));
    assertTrue(config.governs("edge"));
    assertFalse(config.governs("api"));

    ConfiguredLimit any = config.limitOf("edge", entries("remote_address", "10.9.9.9"));
    assertEquals(60, any.requestsPerUnit());
    assertEquals(Unit.MINUTE, any.unit());
    assertEquals(BucketLimit.of(60, 1.0), any.bucket(), "60 per minute: 60 refilled at 1/s");
    assertFalse(any.shadow());

    ConfiguredLimit exact = config.limitOf("edge", entries("remote_address", "10.0.0.1"));
    assertEquals(5, exact.requestsPerUnit());
    assertEquals("trusted", exact.name());
    assertEquals(7, config.limitOf("edge", entries("remote_address", "192.168.3.4"))
        .requestsPerUnit(), "a value ending in * is a prefix");
    assertEquals(60, config.limitOf("edge", entries("remote_address", "192.169.0.1"))
        .requestsPerUnit());

    ConfiguredLimit login = config.limitOf("edge", entries("path", "/login"));
    assertTrue(login.shadow());
    ConfiguredLimit nested = config.limitOf("edge",
        entries("path", "/login", "remote_address", "1.2.3.4"));
    assertEquals(20, nested.requestsPerUnit());
    assertFalse(nested.shadow(), "shadow_mode belongs to the descriptor that sets it");

    assertNull(config.limitOf("edge", entries("path", "/health")), "unlimited");
    assertNull(config.limitOf("edge", entries("path", "/other")), "no such value, no default");
    assertNull(config.limitOf("edge", entries("tenant", "t1")), "stops above a limit");
    assertNull(config.limitOf("edge", entries("remote_address", "1.1.1.1", "path", "/x")),
        "runs past the tree");
    assertNull(config.limitOf("api", entries("remote_address", "1.1.1.1")));

    ConfiguredLimit blocked = config.limitOf("edge", entries("tenant", "t1", "plan", "free"));
    assertTrue(blocked.refusesAll());
    assertNull(blocked.bucket());
    assertEquals(1000, config.limitOf("edge", entries("port", "08")).requestsPerUnit(),
        "values are text as written, never read as numbers");
    assertEquals(Unit.WEEK, config.limitOf("edge", entries("port", "08")).unit());
  }

  /**
   * Metrics name a descriptor as Envoy's ratelimit service names its stats: the domain, then
   * each level's key, with "_value" where the file gives a value; with detailed_metric, the
   * values the request sent.
   */
  @Test
  void namesDescriptorsForMetricsAsEnvoysRatelimitServiceDoes() throws Exception {
    DescriptorConfig config = DescriptorConfigParser.parse(Map.of("edge.yaml", EDGE
        + """
          - key: user
            detailed_metric: true
            rate_limit: {unit: second, requests_per_unit: 3}
        """));
    List<Entry> address = entries("remote_address", "10.9.9.9");
    assertEquals("edge.remote_address",
        config.limitOf("edge", address).metricName("edge", address));
    List<Entry> trusted = entries("remote_address", "10.0.0.1");
    assertEquals("edge.remote_address_10.0.0.1",
        config.limitOf("edge", trusted).metricName("edge", trusted));
    List<Entry> nested = entries("path", "/login", "remote_address", "1.2.3.4");
    assertEquals("edge.path_/login.remote_address",
        config.limitOf("edge", nested).metricName("edge", nested));
    List<Entry> user = entries("user", "alice");
    ConfiguredLimit detailed = config.limitOf("edge", user);
    assertTrue(detailed.detailedMetric());
    assertEquals("edge.user", detailed.statKey());
    assertEquals("edge.user_alice", detailed.metricName("edge", user));
  }

  @Test
  void anEmptyOrNullValueIsAnyValueAsInEnvoy() throws Exception {
    DescriptorConfig config = DescriptorConfigParser.parse(Map.of("f.yaml", """
        domain: edge
        descriptors:
          - key: a
            value:
            rate_limit: {unit: second, requests_per_unit: 1}
          - key: b
            value: ""
            rate_limit: {unit: second, requests_per_unit: 2}
          - key: c
            value: ~
            rate_limit: {unit: second, requests_per_unit: 3}
          - key: d
            descriptors:
        """));
    assertEquals(1, config.limitOf("edge", entries("a", "x")).requestsPerUnit());
    assertEquals(2, config.limitOf("edge", entries("b", "y")).requestsPerUnit());
    assertEquals(3, config.limitOf("edge", entries("c", "z")).requestsPerUnit());
    assertNull(config.limitOf("edge", entries("d", "w")));
  }

  @Test
  void readsSeveralDomainsAndRefusesOneConfiguredTwice() throws Exception {
    Map<String, String> files = new LinkedHashMap<>();
    files.put("a.yaml", "domain: a\ndescriptors: [{key: k, rate_limit: {unit: second, "
        + "requests_per_unit: 1}}]\n");
    files.put("b.yaml", "domain: b\n");
    DescriptorConfig config = DescriptorConfigParser.parse(files);
    assertEquals(2, config.domainCount());
    assertNull(config.limitOf("b", entries("k", "v")), "a domain without descriptors limits none");

    files.put("c.yaml", "domain: a\n");
    assertRefused(files, "c.yaml: domain 'a' is configured by another file too");
  }

  @Test
  void refusesWhatItCannotHonourNamingTheFileAndField() {
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limt: {unit: second}\n",
        "f.yaml: descriptors[0] has an unknown field 'rate_limt'");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: fortnight, "
        + "requests_per_unit: 1}\n", "descriptors[0].rate_limit.unit 'fortnight' is not one of");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, "
        + "requests_per_unit: -1}\n", "requests_per_unit must be from 0");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, "
        + "requests_per_unit: 1.5}\n", "requests_per_unit must be a whole number, got 1.5");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: second}\n",
        "requests_per_unit must be set");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: year, "
        + "requests_per_unit: 1}\n", "1 per year is too slow a refill");
    // 1 per week is 1.65 micro-tokens/s, which a bucket would hold as 2: 21% fast
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: week, "
        + "requests_per_unit: 1}\n", "1 per week is too slow a refill");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    value: !!binary aGk=\n",
        "descriptors[0].value must be a single value without a type tag");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, "
        + "requests_per_unit: !!int abc}\n", "not valid YAML");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, "
        + "requests_per_unit: 1, replaces: [{name: x}]}\n", "replaces is not supported");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    rate_limit: {unlimited: true, "
        + "unit: second}\n", "is unlimited and must not also set");
    assertRefused("domain: edge\ndescriptors:\n  - value: v\n", "descriptors[0].key must be set");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    value: v\n  - key: k\n"
        + "    value: v\n", "descriptors[1] repeats key 'k' with value 'v' at the same level");
    assertRefused("domain: edge\ndescriptors:\n  - key: k\n    shadow_mode: maybe\n",
        "shadow_mode must be true or false, got maybe");
    assertRefused("descriptors: []\n", "domain must be set");
    assertRefused("domain: edge\ndomain: other\n", "not valid YAML");
    assertRefused("domain: [edge\n", "not valid YAML");
    assertRefused("", "the file must be a mapping, got nothing");
    assertRefused("domain: edge\ndescriptors: {key: k}\n", "descriptors must be a list");
    assertRefused("domain: edge\nrules: []\n", "the file has an unknown field 'rules'");
    // An object the file names is never built: SafeConstructor refuses the tag.
    assertRefused("domain: !!javax.script.ScriptEngineManager []\n", "not valid YAML");
  }

  @Test
  void refusesTreesDeeperThanAnyDescriptor() {
    StringBuilder yaml = new StringBuilder("domain: deep\ndescriptors:\n");
    String indent = "  ";
    for (int i = 0; i < 40; i++) {
      yaml.append(indent).append("- key: k").append(i).append('\n')
          .append(indent).append("  descriptors:\n");
      indent += "    ";
    }
    yaml.append(indent).append("- key: last\n");
    assertRefused(yaml.toString(), "nested deeper than 32 levels");
  }

  @Test
  void refusesAnAliasBombWithoutBuildingIt() {
    String bomb = AliasBombs.doubling(25);
    assertTrue(bomb.length() < 3000, "a small file: " + bomb.length() + " characters");
    // Built in full, this file would be some 67 million descriptors: gigabytes and minutes.
    DescriptorConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
        () -> assertThrows(DescriptorConfigException.class,
            () -> DescriptorConfigParser.parse(Map.of("bomb.yaml", bomb))));
    assertTrue(e.getMessage().startsWith("bomb.yaml: "), e.getMessage());
    assertTrue(e.getMessage().contains("more than " + DescriptorConfigParser.MAX_DESCRIPTORS
        + " descriptors"), e.getMessage());
  }

  @Test
  void countsEveryUseOfAnAliasAgainstTheBound() throws Exception {
    // 50 parents of the same 1,999 leaves: exactly the bound, each alias counted per use
    int children = DescriptorConfigParser.MAX_DESCRIPTORS / 50 - 1;
    DescriptorConfig atBound = DescriptorConfigParser.parse(
        Map.of("f.yaml", AliasBombs.shared(50, children)));
    assertTrue(atBound.governs("shared"));
    assertRefused(AliasBombs.shared(50, children + 1), "f.yaml: the descriptors expand to more "
        + "than " + DescriptorConfigParser.MAX_DESCRIPTORS + " descriptors");
    // the bound holds for all files together, not for each one
    Map<String, String> twoFiles = new LinkedHashMap<>();
    twoFiles.put("a.yaml", AliasBombs.shared(50, children));
    twoFiles.put("b.yaml", "domain: other\ndescriptors: [{key: k}]\n");
    assertRefused(twoFiles, "more than " + DescriptorConfigParser.MAX_DESCRIPTORS);
  }

  @Test
  void theDocumentedExampleMeansWhatItsCommentsSay() throws Exception {
    Path example = Path.of("..", "docs", "envoy", "limits", "edge.yaml");
    DescriptorConfig config = DescriptorConfigParser.parse(
        Map.of(example.toString(), Files.readString(example)));
    assertEquals(60, config.limitOf("edge", entries("remote_address", "1.2.3.4"))
        .requestsPerUnit());
    assertEquals(600, config.limitOf("edge", entries("remote_address", "10.20.0.7"))
        .requestsPerUnit());
    assertEquals("login-per-address", config.limitOf("edge",
        entries("path", "/login", "remote_address", "1.2.3.4")).name());
    assertTrue(config.limitOf("edge", entries("path", "/search?q=raft")).shadow());
    assertNull(config.limitOf("edge", entries("path", "/healthz")));
    assertNull(config.limitOf("edge", entries("path", "/login")), "only with an address");
  }

  private static void assertRefused(String yaml, String expected) {
    assertRefused(Map.of("f.yaml", yaml), expected);
  }

  private static void assertRefused(Map<String, String> files, String expected) {
    DescriptorConfigException e = assertThrows(DescriptorConfigException.class,
        () -> DescriptorConfigParser.parse(files));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private static List<Entry> entries(String... keysAndValues) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      entries.add(Entry.newBuilder().setKey(keysAndValues[i]).setValue(keysAndValues[i + 1])
          .build());
    }
    return entries;
  }
}
