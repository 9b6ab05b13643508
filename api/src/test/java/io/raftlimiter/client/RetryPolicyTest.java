package io.raftlimiter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  @Test
  void anUnavailableNodeIsLeftAtOnceThenBackoffGrowsJitteredUpToTheCap() {
    assertEquals(0, RetryPolicy.delayBefore(2, Status.Code.UNAVAILABLE, -1, 0.99));
    assertEquals(24, RetryPolicy.delayBefore(3, Status.Code.UNAVAILABLE, -1, 0.99));
    assertEquals(49, RetryPolicy.delayBefore(4, Status.Code.UNAVAILABLE, -1, 0.99));
    assertEquals(0, RetryPolicy.delayBefore(4, Status.Code.UNAVAILABLE, -1, 0.0), "full jitter");
    assertEquals(990, RetryPolicy.delayBefore(40, Status.Code.UNAVAILABLE, -1, 0.99), "capped");
    assertTrue(RetryPolicy.movesOn(Status.Code.UNAVAILABLE));
  }

  @Test
  void aShedCallWaitsWhatTheNodeAskedPlusUpToHalfAgain() {
    assertEquals(100, RetryPolicy.delayBefore(2, Status.Code.RESOURCE_EXHAUSTED, 100, 0.0));
    assertEquals(149, RetryPolicy.delayBefore(2, Status.Code.RESOURCE_EXHAUSTED, 100, 0.99));
    assertEquals(RetryPolicy.SHED_DEFAULT_MILLIS,
        RetryPolicy.delayBefore(2, Status.Code.RESOURCE_EXHAUSTED, -1, 0.0), "none asked");
    assertTrue(!RetryPolicy.movesOn(Status.Code.RESOURCE_EXHAUSTED), "the same node again");
  }

  @Test
  void otherFailuresAreFinal() {
    for (Status.Code code : new Status.Code[] {Status.Code.INVALID_ARGUMENT,
        Status.Code.PERMISSION_DENIED, Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL}) {
      assertEquals(RetryPolicy.NEVER, RetryPolicy.delayBefore(2, code, 10, 0.5), code.name());
    }
  }
}
