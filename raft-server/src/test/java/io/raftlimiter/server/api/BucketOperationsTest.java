package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.admin.v1.BucketReport;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.OpKind;
import io.raftlimiter.meta.LimitRules;
import io.raftlimiter.server.decide.SingleGroupRouter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BucketOperationsTest {
  private static final BucketLimit DEFAULT = BucketLimit.of(100, 50);
  private static final BucketLimit API = BucketLimit.of(10, 1);

  private final List<BucketOp> submitted = new ArrayList<>();
  private final BucketOperations buckets = new BucketOperations(new SingleGroupRouter() {
    @Override
    public CompletableFuture<Decision> submit(int group, BucketOp op) {
      submitted.add(op);
      return CompletableFuture.completedFuture(new Decision(true, -2, 300));
    }
  }, () -> LimitRules.of(Map.of("api:", API)), DEFAULT);

  @Test
  void aLookIsOnePeekUnderTheKeysRuleAndReportsTheBucket() throws Exception {
    BucketReport report = buckets.look("api:alice").get();
    assertEquals(OpKind.PEEK, submitted.get(0).kind());
    assertEquals(0, submitted.get(0).permits());
    assertEquals(API, submitted.get(0).limit());
    assertEquals(BucketReport.newBuilder().setKey("api:alice").setRemaining(-2)
        .setRetryAfterMillis(300).setCapacity(10).setRefillPerSecond(1).setRulePrefix("api:")
        .setHasRule(true).setGroup(0).build(), report);
  }

  @Test
  void aResetIsOneResetUnderTheDefaultWhenNoRuleMatches() throws Exception {
    BucketReport report = buckets.reset("web:bob").get();
    assertEquals(OpKind.RESET, submitted.get(0).kind());
    assertEquals(DEFAULT, submitted.get(0).limit());
    assertEquals(100, report.getCapacity());
    assertEquals("", report.getRulePrefix());
    assertEquals(false, report.getHasRule());
  }

  @Test
  void aBadKeyIsRefusedBeforeAnythingIsSubmitted() {
    assertThrows(InvalidRequestException.class, () -> buckets.look(""));
    InvalidRequestException tooLong =
        assertThrows(InvalidRequestException.class, () -> buckets.reset("k".repeat(513)));
    assertTrue(tooLong.getMessage().contains("at most 512"), tooLong.getMessage());
    assertEquals(List.of(), submitted);
  }
}
