package io.raftlimiter.server.decide;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.server.data.GroupRouter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A fake router of one group, led here, that decides a batch, and a proposed entry, op by op:
 * tests give it {@link #submit}.
 */
public abstract class SingleGroupRouter implements GroupRouter {
  @Override
  public int groupOf(byte[] key) {
    return 0;
  }

  @Override
  public boolean leads(int group) {
    return true;
  }

  @Override
  public List<CompletableFuture<Decision>> submitAll(int group, List<BucketOp> ops) {
    List<CompletableFuture<Decision>> decided = new ArrayList<>(ops.size());
    ops.forEach(op -> decided.add(submit(group, op)));
    return decided;
  }

  @Override
  public CompletableFuture<List<Decision>> propose(int group, LogEntry entry) {
    List<CompletableFuture<Decision>> decided = submitAll(group, entry.ops());
    return CompletableFuture.allOf(decided.toArray(CompletableFuture[]::new))
        .thenApply(done -> decided.stream().map(CompletableFuture::join).toList());
  }
}
