package io.raftlimiter.server.decide;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.server.data.GroupRouter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StrongDeciderTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1);

  /** Keys name their group ("0:a" is in group 0); this node leads group 0 only. */
  private final List<String> submissions = new ArrayList<>();
  private final GroupRouter router = new GroupRouter() {
    @Override
    public int groupOf(byte[] key) {
      return new String(key, StandardCharsets.UTF_8).charAt(0) - '0';
    }

    @Override
    public boolean leads(int group) {
      return group == 0;
    }

    @Override
    public CompletableFuture<Decision> submit(int group, BucketOp op) {
      throw new AssertionError("ops go to their group together");
    }

    @Override
    public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops) {
      throw new AssertionError("the caller's deadline goes with the ops");
    }

    @Override
    public CompletableFuture<List<Decision>> propose(int group, LogEntry entry) {
      throw new AssertionError("STRONG proposes no entries of its own");
    }

    @Override
    public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops,
        long deadlineNanos) {
      List<String> keys = ops.stream()
          .map(op -> new String(op.key(), StandardCharsets.UTF_8)).toList();
      submissions.add(group + " " + keys + " by " + deadlineNanos);
      return ops.stream().map(op -> CompletableFuture.completedFuture(
          new Decision(true, op.key().length, 0))).toList();
    }
  };
  private final AtomicInteger forwarded = new AtomicInteger();
  private final StrongDecider strong = new StrongDecider(router, forwarded::addAndGet);

  @Test
  void aCallersOpsGoToEachGroupTogetherInOrderWithItsDeadline() {
    List<BucketOp> ops = List.of(op("0:a"), op("1:bb"), op("0:ccc"), op("2:dddd"), op("1:e"));
    List<CompletableFuture<Decision>> decided = strong.decideAll(ops, 77);

    assertEquals(List.of("0 [0:a, 0:ccc] by 77", "1 [1:bb, 1:e] by 77", "2 [2:dddd] by 77"),
        submissions);
    assertEquals(List.of(3L, 4L, 5L, 6L, 3L),
        decided.stream().map(d -> d.join().remaining()).toList());
    assertEquals(3, forwarded.get(), "the ops of groups 1 and 2, which this node does not lead");
  }

  @Test
  void aSingleOpIsAListOfOneAndCountsAsForwardedOnlyOffTheLeader() {
    strong.decide(op("0:a"), 5).join();
    assertEquals(0, forwarded.get());
    strong.decide(op("1:a"), 5).join();
    assertEquals(1, forwarded.get());
    assertEquals(List.of("0 [0:a] by 5", "1 [1:a] by 5"), submissions);
  }

  private static BucketOp op(String key) {
    return BucketOp.of(key, 1, LIMIT);
  }
}
