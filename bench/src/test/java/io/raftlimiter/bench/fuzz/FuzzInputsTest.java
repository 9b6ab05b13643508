package io.raftlimiter.bench.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftlimiter.api.admin.v1.SetLimitRequest;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.server.api.InvalidRequestException;
import io.raftlimiter.server.api.RequestValidator;
import io.raftlimiter.server.decide.ConsistencyMode;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FuzzInputsTest {
  private static final RequestValidator VALIDATOR =
      new RequestValidator(key -> BucketLimit.of(100, 50), ConsistencyMode.STRONG);

  @Test
  void theSameSeedGivesTheSameInputs() {
    FuzzInputs a = new FuzzInputs(7);
    FuzzInputs b = new FuzzInputs(7);
    for (int i = 0; i < 2_000; i++) {
      FuzzInput x = a.next();
      FuzzInput y = b.next();
      assertEquals(x.kind(), y.kind());
      assertArrayEquals(x.bytes(), y.bytes());
    }
  }

  /**
   * What the generator calls invalid is invalid by the node's own rules (checked here with the
   * node's parser and validator, so the wire fuzz's verdicts rest on labels that are right), and
   * only invalid requests name the guarded keys.
   */
  @Test
  void inputsCalledInvalidAreInvalidByTheNodesRules() throws Exception {
    FuzzInputs inputs = new FuzzInputs(11);
    Set<String> invalidKinds = new HashSet<>();
    for (int i = 0; i < 20_000; i++) {
      FuzzInput input = inputs.next();
      if (!input.invalid()) {
        assertTrue(input.guardKey() == null, input.kind());
        continue;
      }
      invalidKinds.add(input.kind());
      if (input.method().equals(FuzzInputs.ACQUIRE)) {
        AcquireRequest request;
        try {
          request = AcquireRequest.parseFrom(input.bytes());
        } catch (InvalidProtocolBufferException e) {
          continue; // refused as it is parsed
        }
        assertThrows(InvalidRequestException.class, () -> VALIDATOR.validate(request),
            input.kind());
        assertTrue(input.guardKey() == null
            || input.guardKey().equals(request.getKey()), input.kind());
      } else if (input.method().equals(FuzzInputs.ACQUIRE_BATCH)) {
        assertTrue(AcquireBatchRequest.parseFrom(input.bytes()).getRequestsCount()
            > RequestValidator.MAX_BATCH);
      } else {
        var rule = SetLimitRequest.parseFrom(input.bytes()).getRule();
        boolean badPrefix = ClusterMetadata.invalidPrefix(rule.getPrefix()) != null;
        boolean badLimit;
        try {
          RequestValidator.limit(io.raftlimiter.api.v1.Limit.newBuilder()
              .setCapacity(rule.getCapacity()).setRefillPerSecond(rule.getRefillPerSecond())
              .build());
          badLimit = false;
        } catch (InvalidRequestException e) {
          badLimit = true;
        }
        assertTrue(badPrefix || badLimit, input.kind());
      }
    }
    assertTrue(invalidKinds.size() >= 12, "every kind of invalid request is made: " + invalidKinds);
  }
}
