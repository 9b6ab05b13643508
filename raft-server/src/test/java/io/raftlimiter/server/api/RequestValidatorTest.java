package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.server.config.ConsistencyMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
  private final RequestValidator validator =
      new RequestValidator(key -> BucketLimit.of(10, 1), ConsistencyMode.STRONG);

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
}
