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
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.meta.ClusterMetadata;
import io.raftlimiter.server.api.InvalidRequestException;
import io.raftlimiter.server.api.LimitResolver;
import io.raftlimiter.server.api.RequestValidator;
import io.raftlimiter.server.config.ConsistencyMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FuzzInputsTest {
  private static final RequestValidator VALIDATOR =
      new RequestValidator(LimitResolver.always(BucketLimit.of(100, 50)), ConsistencyMode.STRONG);

  private static List<FuzzInput> generated(long seed, int count) {
    FuzzInputs inputs = new FuzzInputs(seed);
    List<FuzzInput> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(inputs.next());
    }
    return all;
  }

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
    Set<String> invalidKinds = new HashSet<>();
    for (FuzzInput input : generated(11, 20_000)) {
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
    assertTrue(invalidKinds.size() >= 13, "every kind of invalid request is made: " + invalidKinds);
    assertTrue(invalidKinds.contains("request_id past 64 bytes in wide chars"),
        invalidKinds.toString());
  }

  /**
   * Requests called valid (request ids at the 64-byte bound, in one- and two-byte characters)
   * pass the node's validator, so the wire fuzz may demand a decision for them.
   */
  @Test
  void inputsCalledValidAreValidAtTheBound() throws Exception {
    Set<String> validKinds = new HashSet<>();
    for (FuzzInput input : generated(13, 20_000)) {
      if (!input.valid()) {
        continue;
      }
      validKinds.add(input.kind());
      AcquireRequest request = AcquireRequest.parseFrom(input.bytes());
      assertEquals(BucketOp.MAX_ID_BYTES,
          request.getRequestId().getBytes(StandardCharsets.UTF_8).length, input.kind());
      VALIDATOR.validate(request);
    }
    assertEquals(2, validKinds.size(), validKinds.toString());
  }
}
