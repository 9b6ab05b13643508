package io.raftlimiter.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.api.InvalidRequestException;
import io.raftlimiter.server.api.LimitResolver;
import io.raftlimiter.server.api.RequestValidator;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RequestLimitPolicyTest {
  /** The operator's limit for every key in these tests. */
  private static final BucketLimit RULE = BucketLimit.of(10, 2);

  private static AcquireRequest carrying(long capacity, double refill) {
    return AcquireRequest.newBuilder().setKey("tenant-1:alice")
        .setLimit(Limit.newBuilder().setCapacity(capacity).setRefillPerSecond(refill)).build();
  }

  private static BucketLimit limitUnder(RequestLimitPolicy policy, AcquireRequest request)
      throws InvalidRequestException {
    return new RequestValidator(LimitResolver.always(RULE), ConsistencyMode.STRONG, policy).validate(request)
        .op().limit();
  }

  @Test
  void allowLetsTheRequestsLimitWin() throws Exception {
    assertEquals(BucketLimit.of(1_000, 500), limitUnder(RequestLimitPolicy.ALLOW,
        carrying(1_000, 500)));
  }

  @Test
  void denyHoldsEveryRequestToTheOperatorsLimit() throws Exception {
    assertEquals(RULE, limitUnder(RequestLimitPolicy.DENY, carrying(1_000, 500)));
    assertEquals(RULE, limitUnder(RequestLimitPolicy.DENY, carrying(1, 0.5)));
  }

  @Test
  void lowerOnlyTakesTheLowerOfEachDimension() throws Exception {
    assertEquals(BucketLimit.of(4, 2), limitUnder(RequestLimitPolicy.LOWER_ONLY,
        carrying(4, 500)));
    assertEquals(BucketLimit.of(10, 0.5), limitUnder(RequestLimitPolicy.LOWER_ONLY,
        carrying(1_000, 0.5)));
    assertEquals(RULE, limitUnder(RequestLimitPolicy.LOWER_ONLY, carrying(1_000, 500)));
  }

  /** Under LOWER_ONLY no carried limit, whatever it is, admits more than the operator's. */
  @Test
  void lowerOnlyNeverExceedsTheOperatorsLimit() throws Exception {
    Random random = new Random(12);
    for (int i = 0; i < 10_000; i++) {
      BucketLimit applied = limitUnder(RequestLimitPolicy.LOWER_ONLY,
          carrying(1 + random.nextInt(100), 0.001 + random.nextDouble() * 100));
      assertTrue(applied.capacity() <= RULE.capacity(), applied.toString());
      assertTrue(applied.refillMicrosPerSecond() <= RULE.refillMicrosPerSecond(),
          applied.toString());
    }
  }

  /** As shipped, a caller may tighten its limit but never loosen the operator's. */
  @Test
  void theDefaultPolicyNeverLetsACallerLoosenTheOperatorsLimit() throws Exception {
    RequestLimitPolicy shipped = NodeConfigKeys.LIMIT_REQUEST_OVERRIDE.defaultValue();
    assertEquals(RULE, limitUnder(shipped, carrying(1_000, 500)));
    assertEquals(BucketLimit.of(4, 1), limitUnder(shipped, carrying(4, 1)));
  }

  @Test
  void aRequestWithoutALimitRunsUnderTheOperatorsUnderEveryPolicy() throws Exception {
    AcquireRequest plain = AcquireRequest.newBuilder().setKey("k").build();
    for (RequestLimitPolicy policy : RequestLimitPolicy.values()) {
      assertEquals(RULE, limitUnder(policy, plain), policy.name());
    }
  }

  /** A malformed carried limit is refused under every policy, even one that would ignore it. */
  @Test
  void aMalformedCarriedLimitIsRefusedUnderEveryPolicy() {
    for (RequestLimitPolicy policy : RequestLimitPolicy.values()) {
      InvalidRequestException refused = assertThrows(InvalidRequestException.class,
          () -> limitUnder(policy, carrying(0, 1)));
      assertTrue(refused.getMessage().contains("limit.capacity"), refused.getMessage());
    }
  }

  /** Permits are checked against the limit the request runs under, not the one it carried. */
  @Test
  void permitsAreCheckedAgainstTheAppliedLimit() {
    AcquireRequest tooMany = carrying(1_000, 1).toBuilder().setPermits(50).build();
    InvalidRequestException refused = assertThrows(InvalidRequestException.class,
        () -> limitUnder(RequestLimitPolicy.DENY, tooMany));
    assertTrue(refused.getMessage().contains("capacity 10"), refused.getMessage());
  }
}
