package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.runtime.LimitLabel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
  private final RequestValidator validator =
      new RequestValidator(LimitResolver.always(BucketLimit.of(10, 1)), ConsistencyMode.STRONG);

  private byte[] idOf(String requestId, String caller) throws InvalidRequestException {
    AcquireRequest request = AcquireRequest.newBuilder().setKey("k").setRequestId(requestId)
        .build();
    return validator.validate(request, null, caller).op().id();
  }

  /**
   * The same request_id from two callers names two ops, so neither is answered with the other's
   * outcome (a constant id or a forwarded idempotency key would otherwise buy free admissions
   * from someone else's charge); one caller's retries still name one op.
   */
  @Test
  void aRequestIdNamesAnOpWithinItsCallersIdsOnly() throws Exception {
    String alice = "CN=alice,O=example";
    String bob = "CN=bob,O=example";
    assertFalse(Arrays.equals(idOf("order-17", alice), idOf("order-17", bob)));
    assertArrayEquals(idOf("order-17", alice), idOf("order-17", alice));
    assertFalse(Arrays.equals(idOf("order-17", alice), idOf("order-18", alice)));
  }

  @Test
  void withoutAKnownCallerOrAnIdTheIdIsKeptAsSent() throws Exception {
    assertArrayEquals("order-17".getBytes(StandardCharsets.UTF_8), idOf("order-17", null));
    assertEquals(0, idOf("", "CN=alice").length, "no id, no op to name: nothing to scope");
  }

  /** Which limit a decision ran under, for the metrics: the one actually in force. */
  @Test
  void labelsEachAcquireWithTheLimitInForce() throws Exception {
    BucketLimit rule = BucketLimit.of(10, 1);
    LimitResolver rules = key -> new OperatorLimit(rule, LimitLabel.rule("api:"), false);
    RequestValidator lowerOnly = new RequestValidator(rules, ConsistencyMode.STRONG);
    AcquireRequest plain = AcquireRequest.newBuilder().setKey("api:1").build();
    assertEquals(LimitLabel.rule("api:"), lowerOnly.validate(plain).label());

    AcquireRequest tighter = plain.toBuilder().setLimit(
        io.raftlimiter.api.v1.Limit.newBuilder().setCapacity(5).setRefillPerSecond(1)).build();
    assertEquals(LimitLabel.REQUEST, lowerOnly.validate(tighter).label(),
        "a tighter carried limit wins under LOWER_ONLY, and is the request's");
    AcquireRequest looser = plain.toBuilder().setLimit(
        io.raftlimiter.api.v1.Limit.newBuilder().setCapacity(50).setRefillPerSecond(1)).build();
    assertEquals(LimitLabel.rule("api:"), lowerOnly.validate(looser).label(),
        "a looser carried limit is ignored under LOWER_ONLY: the rule decides");

    FixedLimit descriptor = new FixedLimit(BucketLimit.of(3, 1),
        LimitLabel.envoy("edge.remote_address"));
    assertEquals(descriptor.label(), lowerOnly.validate(plain, descriptor).label());
    assertEquals(LimitLabel.DEFAULT, validator.validate(plain).label(),
        "a resolver that names no rule gives the default");
  }

  /**
   * The limit, its label and its shadow flag come from one lookup of the rules: read apart, a
   * change of the rules in between could count a decision under one rule and decide it under
   * another, and each acquire paid two prefix lookups.
   */
  @Test
  void theOperatorLimitIsLookedUpOncePerAcquireWithItsShadowFlag() throws Exception {
    java.util.concurrent.atomic.AtomicInteger lookups =
        new java.util.concurrent.atomic.AtomicInteger();
    BucketLimit rule = BucketLimit.of(10, 1);
    RequestValidator shadowedRule = new RequestValidator(key -> {
      lookups.incrementAndGet();
      return new OperatorLimit(rule, LimitLabel.rule("trial:"), true);
    }, ConsistencyMode.STRONG, io.raftlimiter.server.config.RequestLimitPolicy.LOWER_ONLY);
    AcquireRequest plain = AcquireRequest.newBuilder().setKey("trial:1").build();
    ValidatedAcquire underRule = shadowedRule.validate(plain);
    assertEquals(1, lookups.get());
    assertEquals(true, underRule.ruleShadowed());
    assertEquals(LimitLabel.rule("trial:"), underRule.label());

    AcquireRequest tighter = plain.toBuilder().setLimit(
        io.raftlimiter.api.v1.Limit.newBuilder().setCapacity(5).setRefillPerSecond(1)).build();
    ValidatedAcquire underRequest = shadowedRule.validate(tighter);
    assertFalse(underRequest.ruleShadowed(), "the request's own limit is enforced");
    assertEquals(LimitLabel.REQUEST, underRequest.label());
    assertEquals(2, lookups.get());
  }
}
