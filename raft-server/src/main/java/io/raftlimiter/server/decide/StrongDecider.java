package io.raftlimiter.server.decide;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.server.data.GroupRouter;
import io.raftlimiter.server.data.commit.GroupCommitter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;

/**
 * STRONG: every acquire goes through the log of the group that owns its key, by this node's group
 * commit when it leads the group and forwarded to the leader's otherwise. Linearizable; never
 * over-admits.
 */
public final class StrongDecider implements Decider {
  private final GroupRouter router;
  private final IntConsumer forwarded;

  /**
   * @param forwarded told how many ops of one call go to a group this node does not lead (on the
   *     caller's thread, so that the front end can mark the call)
   */
  public StrongDecider(GroupRouter router, IntConsumer forwarded) {
    this.router = router;
    this.forwarded = forwarded;
  }

  @Override
  public CompletableFuture<Decision> decide(BucketOp op) {
    return decide(op, GroupCommitter.NO_DEADLINE);
  }

  @Override
  public CompletableFuture<Decision> decide(BucketOp op, long deadlineNanos) {
    try {
      int group = router.groupOf(op.key());
      noteRoute(group, 1);
      return router.submitAll(group, List.of(op), deadlineNanos).get(0);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * One list of ops per group, queued together, so that a caller's ops share entries (and
   * forward calls) rather than the first of them going out alone.
   */
  @Override
  public List<CompletableFuture<Decision>> decideAll(List<BucketOp> ops, long deadlineNanos) {
    List<CompletableFuture<Decision>> decided = new ArrayList<>(ops.size());
    Map<Integer, List<Integer>> byGroup = new LinkedHashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      decided.add(null); // filled in below
      try {
        byGroup.computeIfAbsent(router.groupOf(ops.get(i).key()), g -> new ArrayList<>()).add(i);
      } catch (RuntimeException e) {
        decided.set(i, CompletableFuture.failedFuture(e));
      }
    }
    byGroup.forEach((group, positions) -> {
      List<BucketOp> groupOps = new ArrayList<>(positions.size());
      positions.forEach(i -> groupOps.add(ops.get(i)));
      List<CompletableFuture<Decision>> results;
      try {
        noteRoute(group, groupOps.size());
        results = router.submitAll(group, groupOps, deadlineNanos);
      } catch (RuntimeException e) {
        results = new ArrayList<>();
        for (int j = 0; j < positions.size(); j++) {
          results.add(CompletableFuture.failedFuture(e));
        }
      }
      for (int j = 0; j < positions.size(); j++) {
        decided.set(positions.get(j), results.get(j));
      }
    });
    return decided;
  }

  private void noteRoute(int group, int ops) {
    if (!router.leads(group)) {
      forwarded.accept(ops);
    }
  }
}
