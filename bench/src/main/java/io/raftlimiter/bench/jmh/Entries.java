package io.raftlimiter.bench.jmh;

import io.raftlimiter.bench.workload.ZipfSampler;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.OpKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** Log entries shaped like the server's group commits, for the microbenchmarks. */
final class Entries {
  static final BucketLimit LIMIT = BucketLimit.of(100, 50.0);

  private Entries() {}

  /** {@code count} entries of {@code opsPerEntry} acquires on Zipf(0.99) keys out of {@code keys}. */
  static List<LogEntry> zipf(int count, int opsPerEntry, int keys, long seed) {
    ZipfSampler sampler = new ZipfSampler(keys, 0.99);
    SplittableRandom random = new SplittableRandom(seed);
    List<LogEntry> entries = new ArrayList<>(count);
    for (int e = 0; e < count; e++) {
      List<BucketOp> ops = new ArrayList<>(opsPerEntry);
      for (int i = 0; i < opsPerEntry; i++) {
        ops.add(BucketOp.of("key-" + sampler.next(random), 1, LIMIT));
      }
      entries.add(new LogEntry(1_000_000_000L, ops));
    }
    return entries;
  }

  /**
   * {@code count} EVENTUAL charge batches of {@code chargesPerEntry} one-token charges on distinct
   * Zipf(0.99) keys out of {@code keys}, each under an id of its own, as a node's sync sends them.
   */
  static List<LogEntry> chargeBatches(int count, int chargesPerEntry, int keys, long seed) {
    ZipfSampler sampler = new ZipfSampler(keys, 0.99);
    SplittableRandom random = new SplittableRandom(seed);
    List<LogEntry> entries = new ArrayList<>(count);
    for (int e = 0; e < count; e++) {
      Set<Integer> drawn = new LinkedHashSet<>();
      while (drawn.size() < chargesPerEntry) {
        drawn.add(sampler.next(random));
      }
      List<BucketOp> charges = new ArrayList<>(chargesPerEntry);
      for (int k : drawn) {
        charges.add(BucketOp.of("key-" + k, 1, LIMIT).as(OpKind.CHARGE, 1));
      }
      entries.add(LogEntry.chargeBatch(("sync-" + e).getBytes(StandardCharsets.UTF_8), charges));
    }
    return entries;
  }

  /** An entry of {@code opsPerEntry} acquires on keys no other entry number uses. */
  static LogEntry fresh(long entryNumber, int opsPerEntry) {
    List<BucketOp> ops = new ArrayList<>(opsPerEntry);
    for (int i = 0; i < opsPerEntry; i++) {
      ops.add(BucketOp.of("fresh-" + entryNumber + "-" + i, 1, LIMIT));
    }
    return new LogEntry(0, ops);
  }
}
