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
import io.raftlimiter.api.admin.v1.LimitRule;
import io.raftlimiter.api.admin.v1.NodeAdminGrpc;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.server.api.EnvoyRateLimitService;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ShouldRateLimit} as Envoy calls it, through Envoy's own generated stubs: descriptors
 * under a prefix rule and under their own limit override decide exactly, hits_addend takes that
 * many tokens, and malformed requests are refused.
 */
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
        NodeAdminGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
            .setLimit(SetLimitRequest.newBuilder().setRule(LimitRule.newBuilder()
                .setPrefix("edge|remote_address=").setCapacity(3).setRefillPerSecond(0.001))
                .build());
        RateLimitServiceGrpc.RateLimitServiceBlockingStub envoy =
            RateLimitServiceGrpc.newBlockingStub(channel);

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
        RateLimitDescriptor user = RateLimitDescriptor.newBuilder()
            .addEntries(entry("user", "u1"))
            .setLimit(RateLimitDescriptor.RateLimitOverride.newBuilder().setRequestsPerUnit(2)
                .setUnit(RateLimitUnit.MINUTE))
            .build();
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
