package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.RateLimit;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.envoyproxy.envoy.type.v3.RateLimitUnit;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.server.api.EnvoyRateLimitService;
import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.envoy.DescriptorConfigWatcher;
import io.raftlimiter.server.runtime.NodeMetrics;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ShouldRateLimit} as Envoy calls it, through Envoy's own generated stubs: descriptors
 * under a prefix rule and under their own limit override decide exactly, hits_addend takes that
 * many tokens, and malformed requests are refused.
 */
@Tag("cluster")
class EnvoyRateLimitTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void descriptorsDecideExactlyUnderRulesAndOverrides() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, dir, b -> { })) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      ManagedChannel channel = Grpc.newChannelBuilder(cluster.node(0).clientAddress(),
          InsecureChannelCredentials.create()).build();
      try {
        RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy =
            withRule(channel, "edge|remote_address=", 3, 0.001);

        // Under the prefix rule: 3, then over.
        for (int i = 0; i < 4; i++) {
          RateLimitResponse answer = call(envoy, request("edge", 0, address("10.0.0.1")));
          assertEquals(i < 3 ? Code.OK : Code.OVER_LIMIT, answer.getOverallCode(), "call " + i);
          assertEquals(Math.max(0, 2 - i), answer.getStatuses(0).getLimitRemaining());
          // 3 tokens refilled at 0.001/s: a window of 3,000 s, so "4 per hour" (3.6 rounded)
          assertEquals(RateLimit.Unit.HOUR, answer.getStatuses(0).getCurrentLimit().getUnit());
          assertEquals(4, answer.getStatuses(0).getCurrentLimit().getRequestsPerUnit());
          assertTrue(answer.getResponseHeadersToAddList().stream()
              .anyMatch(h -> h.getKey().equals("RateLimit")), answer.toString());
        }
        // Counted under the rule that limited them, for "which limit is refusing".
        assertEquals(3, count(cluster, "raftlimiter_limit_decisions", "source", "rule",
            "limit", "edge|remote_address=", "outcome", "allowed"));
        assertEquals(1, count(cluster, "raftlimiter_limit_decisions", "source", "rule",
            "limit", "edge|remote_address=", "outcome", "rejected"));
        // One descriptor over the limit makes the answer OVER_LIMIT; the other is still charged.
        RateLimitResponse mixed = call(envoy, request("edge", 0, address("10.0.0.1"),
            address("10.0.0.2")));
        assertEquals(Code.OVER_LIMIT, mixed.getOverallCode());
        assertEquals(List.of(Code.OVER_LIMIT, Code.OK),
            mixed.getStatusesList().stream().map(s -> s.getCode()).toList());
        // hits_addend: 2 of a fresh bucket of 3 leave 1, so the next 2 are over.
        assertEquals(1, call(envoy, request("edge", 2, address("10.0.0.3")))
            .getStatuses(0).getLimitRemaining());
        assertEquals(Code.OVER_LIMIT,
            call(envoy, request("edge", 2, address("10.0.0.3"))).getOverallCode());
        // A descriptor's own limit: 2 per minute.
        RateLimitDescriptor user = withLimit(
            RateLimitDescriptor.newBuilder().addEntries(entry("user", "u1")).build(), 2,
            RateLimitUnit.MINUTE);
        assertEquals(Code.OK, call(envoy, request("api", 0, user)).getOverallCode());
        RateLimitResponse second = call(envoy, request("api", 0, user));
        assertEquals(Code.OK, second.getOverallCode());
        assertEquals(2, second.getStatuses(0).getCurrentLimit().getRequestsPerUnit());
        assertEquals(RateLimit.Unit.MINUTE, second.getStatuses(0).getCurrentLimit().getUnit());
        assertEquals(Code.OVER_LIMIT, call(envoy, request("api", 0, user)).getOverallCode());

        // More hits than the bucket holds, or 2^63 and more: refused, not let through, and
        // nothing taken from the request's other descriptor.
        RateLimitResponse tooMany = call(envoy, request("edge", 4, address("10.0.0.4"),
            address("10.0.0.5")));
        assertEquals(Code.OVER_LIMIT, tooMany.getOverallCode());
        RateLimitDescriptor huge = address("10.0.0.6").toBuilder()
            .setHitsAddend(com.google.protobuf.UInt64Value.of(Long.MIN_VALUE)).build();
        RateLimitResponse hugeAnswer = call(envoy, request("edge", 0, huge, address("10.0.0.7")));
        assertEquals(List.of(Code.OVER_LIMIT, Code.OK),
            hugeAnswer.getStatusesList().stream().map(s -> s.getCode()).toList());
        assertEquals(2, call(envoy, request("edge", 0, address("10.0.0.5")))
            .getStatuses(0).getLimitRemaining(), "the refused request took nothing");

        for (RateLimitRequest bad : List.of(request("", 0, address("10.0.0.9")),
            request("edge", 0), request("edge", 0, RateLimitDescriptor.getDefaultInstance()))) {
          StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
              () -> call(envoy, bad));
          assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void descriptorConfigurationDecidesShadowsAndReloads() throws Exception {
    Path config = dir.resolve("envoy").resolve("edge.yaml");
    Files.createDirectories(config.getParent());
    Files.writeString(config, edgeConfig(3) + """
          - key: path
            value: /try
            shadow_mode: true
            rate_limit: {unit: hour, requests_per_unit: 1}
          - key: path
            value: /free
            rate_limit: {unlimited: true}
        """);
    // DENY: limits requests carry are ignored, the configured ones are not (they are the
    // operator's); the rule for the domain's prefix gives way to its configuration
    try (LocalCluster cluster = LocalCluster.start(1, dir.resolve("nodes"), b -> b
        .set(NodeConfigKeys.ENVOY_CONFIG.name(), config.getParent().toString())
        .set(NodeConfigKeys.ENVOY_CONFIG_RELOAD_INTERVAL_MS.name(), "100")
        .set(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE.name(), "DENY"))) {
      cluster.awaitLeaders(Duration.ofSeconds(30));
      ManagedChannel channel = Grpc.newChannelBuilder(cluster.node(0).clientAddress(),
          InsecureChannelCredentials.create()).build();
      try {
        RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy =
            withRule(channel, "edge|", 100, 100);

        for (int i = 0; i < 4; i++) {
          RateLimitResponse answer = call(envoy, request("edge", 0, address("10.0.0.1")));
          assertEquals(i < 3 ? Code.OK : Code.OVER_LIMIT, answer.getOverallCode(), "call " + i);
          assertEquals(RateLimit.newBuilder().setRequestsPerUnit(3)
              .setUnit(RateLimit.Unit.HOUR).build(), answer.getStatuses(0).getCurrentLimit());
        }
        // Counted under the descriptor's stat key, as Envoy's ratelimit service names it; the
        // third left none of 3, near the limit.
        assertEquals(3, count(cluster, "raftlimiter_limit_decisions", "source", "envoy",
            "limit", "edge.remote_address", "outcome", "allowed"));
        assertEquals(1, count(cluster, "raftlimiter_limit_decisions", "source", "envoy",
            "limit", "edge.remote_address", "outcome", "rejected"));
        assertEquals(1, count(cluster, "raftlimiter_limit_near_limit", "source", "envoy",
            "limit", "edge.remote_address"));
        // A descriptor's own looser limit is ignored under DENY: the configured one holds.
        RateLimitDescriptor loosened = withLimit(address("10.0.0.2"), 1000, RateLimitUnit.SECOND);
        for (int i = 0; i < 4; i++) {
          assertEquals(i < 3 ? Code.OK : Code.OVER_LIMIT,
              call(envoy, request("edge", 0, loosened)).getOverallCode(), "loosened call " + i);
        }
        // Not limited by the configuration: OK without a limit, however often.
        for (int i = 0; i < 5; i++) {
          RateLimitResponse free = call(envoy, request("edge", 0, path("/free")));
          assertEquals(Code.OK, free.getOverallCode());
          assertTrue(!free.getStatuses(0).hasCurrentLimit(), free.toString());
        }
        // Shadow mode: the second is over, counted, and answered OK.
        NodeMetrics shadowed = cluster.node(0).metrics();
        long rejected = cluster.node(0).metrics().rejectedCount();
        assertEquals(Code.OK, call(envoy, request("edge", 0, path("/try"))).getOverallCode());
        assertEquals(0, shadowed.shadowRefusedCount());
        assertEquals(Code.OK, call(envoy, request("edge", 0, path("/try"))).getOverallCode());
        assertEquals(1, shadowed.shadowRefusedCount());
        assertEquals(rejected + 1, cluster.node(0).metrics().rejectedCount(),
            "decided and counted as a refusal");

        // An edit is taken while the node runs: 5 per hour for addresses not seen before.
        replace(config, edgeConfig(5));
        awaitRemaining(envoy, "10.0.1.", 4);
        for (int i = 0; i < 5; i++) {
          assertEquals(Code.OK, call(envoy, request("edge", 0, address("10.0.1.99")))
              .getOverallCode());
        }
        assertEquals(Code.OVER_LIMIT, call(envoy, request("edge", 0, address("10.0.1.99")))
            .getOverallCode());
        // A broken edit is refused and counted; the last good configuration stays.
        NodeMetrics failures = cluster.node(0).metrics();
        replace(config, "domain: edge\ndescriptors: [{key: remote_address, "
            + "rate_limit: {unit: second}}]\n");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (failures.count(DescriptorConfigWatcher.RELOAD_FAILURES_METRIC) == 0 && System.nanoTime() < until) {
          Thread.sleep(50);
        }
        assertEquals(1, failures.count(DescriptorConfigWatcher.RELOAD_FAILURES_METRIC));
        assertEquals(4, call(envoy, request("edge", 0, address("10.0.2.1")))
            .getStatuses(0).getLimitRemaining());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void underLowerOnlyADescriptorsOwnLimitCanOnlyTightenItsConfiguredOne() throws Exception {
    Path config = dir.resolve("edge.yaml");
    Files.writeString(config, edgeConfig(3) + """
          - key: path
            value: /free
            rate_limit: {unlimited: true}
        """);
    try (LocalCluster cluster = LocalCluster.start(1, dir.resolve("nodes"), b -> b
        .set(NodeConfigKeys.ENVOY_CONFIG.name(), config.toString())
        .set(NodeConfigKeys.LIMIT_REQUEST_OVERRIDE.name(), "LOWER_ONLY"))) {
      onEnvoy(cluster, envoy -> {
        // Tighter than the configured 3 per hour: taken. Looser: held to the configured 3.
        assertEquals(2, admitted(envoy, withLimit(address("10.0.0.1"), 2, RateLimitUnit.HOUR)));
        assertEquals(3, admitted(envoy, withLimit(address("10.0.0.2"), 50, RateLimitUnit.SECOND)));
        // Not limited by the configuration: its own limit is all there is.
        assertEquals(2, admitted(envoy, withLimit(path("/free"), 2, RateLimitUnit.HOUR)));
        assertEquals(6, admitted(envoy, path("/free")), "no limit at all without its own");
      });
    }
  }

  /** Runs {@code calls} with Envoy's stub on the first node, once it has its leaders. */
  private static void onEnvoy(LocalCluster cluster,
      Consumer<RateLimitServiceGrpc.RateLimitServiceBlockingStub> calls)
      throws InterruptedException {
    cluster.awaitLeaders(Duration.ofSeconds(30));
    ManagedChannel channel = Grpc.newChannelBuilder(cluster.node(0).clientAddress(),
        InsecureChannelCredentials.create()).build();
    try {
      calls.accept(RateLimitServiceGrpc.newBlockingStub(channel));
    } finally {
      channel.shutdownNow();
    }
  }

  /**
   * {@code envoy.consistency} picks the mode RLS calls are decided in, whatever the node's
   * default: EVENTUAL answers from the node's view of each bucket (so the node holds views),
   * while the default STRONG leaves none.
   */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void envoyCallsAreDecidedInTheModeEnvoyConsistencyNames() throws Exception {
    for (String mode : new String[] {null, "EVENTUAL"}) {
      Path nodes = dir.resolve("nodes-" + mode);
      try (LocalCluster cluster = LocalCluster.start(1, nodes, b -> {
        if (mode != null) {
          b.set(NodeConfigKeys.ENVOY_CONSISTENCY.name(), mode);
        }
      })) {
        onEnvoy(cluster, envoy -> assertEquals(3,
            admitted(envoy, withLimit(address("10.0.0.9"), 3, RateLimitUnit.HOUR))));
        assertEquals(mode == null ? 0 : 1, cluster.node(0).status().getEventualViews(),
            "EVENTUAL views with envoy.consistency=" + mode);
      }
    }
  }

  /** How many of 6 calls with {@code descriptor} are answered OK. */
  private static int admitted(RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy,
      RateLimitDescriptor descriptor) {
    int admitted = 0;
    for (int i = 0; i < 6; i++) {
      if (call(envoy, request("edge", 0, descriptor)).getOverallCode() == Code.OK) {
        admitted++;
      }
    }
    return admitted;
  }

  private static RateLimitDescriptor withLimit(RateLimitDescriptor descriptor, int perUnit,
      RateLimitUnit unit) {
    return descriptor.toBuilder().setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder()
        .setRequestsPerUnit(perUnit).setUnit(unit)).build();
  }

  @Test
  void aNodeWithABrokenDescriptorConfigurationDoesNotStart() throws Exception {
    Path config = dir.resolve("edge.yaml");
    Files.writeString(config, "domain: edge\ndescriptors: [{key: k, rate_limit: "
        + "{unit: second, requests_per_unit: many}}]\n");
    ConfigException refused = assertThrows(ConfigException.class, () -> LocalCluster.start(1,
        dir.resolve("nodes"), b -> b.set(NodeConfigKeys.ENVOY_CONFIG.name(), config.toString())));
    assertTrue(refused.getMessage().contains("requests_per_unit must be a whole number, got many"),
        refused.getMessage());
  }

  /** Sets the rule of {@code prefix}; Envoy's stub on {@code channel}. */
  private static RateLimitServiceGrpc.RateLimitServiceBlockingStub withRule(
      ManagedChannel channel, String prefix, long capacity, double refillPerSecond) {
    NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .setLimit(SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder()
            .setPrefix(prefix).setCapacity(capacity).setRefillPerSecond(refillPerSecond))
            .build());
    return RateLimitServiceGrpc.newBlockingStub(channel);
  }

  /** Writes {@code text} to {@code file} at once, as an editor or a ConfigMap update does. */
  private static void replace(Path file, String text) throws java.io.IOException {
    Path written = Files.writeString(file.resolveSibling(file.getFileName() + ".tmp"), text);
    Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Calls with new addresses of {@code prefix} until one is answered with {@code remaining}. */
  private static void awaitRemaining(RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy,
      String prefix, int remaining) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int i = 0; System.nanoTime() < until; i++) {
      if (call(envoy, request("edge", 0, address(prefix + i))).getStatuses(0)
          .getLimitRemaining() == remaining) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the edited configuration was not taken within 20 s");
  }

  /** A counter of node 0's, without _total, with exactly {@code labels}; 0 when absent. */
  private static double count(LocalCluster cluster, String series, String... labels) {
    Labels wanted = Labels.of(labels);
    return cluster.node(0).metrics().prometheus().scrape().stream()
        .filter(s -> s.getMetadata().getName().equals(series))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(point -> point.getLabels().equals(wanted))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  private static String edgeConfig(int perHour) {
    return """
        domain: edge
        descriptors:
          - key: remote_address
            rate_limit: {unit: hour, requests_per_unit: %d}
        """.formatted(perHour);
  }

  private static RateLimitDescriptor path(String path) {
    return RateLimitDescriptor.newBuilder().addEntries(entry("path", path)).build();
  }

  @Test
  void keysKeepEntriesApartWhateverTheirValuesHold() {
    RateLimitDescriptor one = RateLimitDescriptor.newBuilder()
        .addEntries(entry("a", "x|b=y")).build();
    RateLimitDescriptor two = RateLimitDescriptor.newBuilder()
        .addEntries(entry("a", "x")).addEntries(entry("b", "y")).build();
    assertEquals("edge|a=x|b=y", EnvoyRateLimitService.key("edge", two));
    assertEquals("edge|a=x\\|b\\=y", EnvoyRateLimitService.key("edge", one));
  }

  private static RateLimitResponse call(
      RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy, RateLimitRequest request) {
    return envoy.withDeadlineAfter(10, TimeUnit.SECONDS).shouldRateLimit(request);
  }

  private static RateLimitRequest request(String domain, int hits,
      RateLimitDescriptor... descriptors) {
    return RateLimitRequest.newBuilder().setDomain(domain).setHitsAddend(hits)
        .addAllDescriptors(List.of(descriptors)).build();
  }

  private static RateLimitDescriptor address(String ip) {
    return RateLimitDescriptor.newBuilder().addEntries(entry("remote_address", ip)).build();
  }

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }
}
