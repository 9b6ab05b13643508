package io.raftlimiter.bench.jmh;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.statemachine.EntryApplier;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.InMemoryBucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import io.raftlimiter.store.WriteBehindBucketStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Applying one entry of 100 acquires, as every replica does for every committed entry: decisions,
 * the store's write set, the applied marker and the periodic sweep. Stamps advance 1 ms per entry
 * so buckets refill and the sweep finds full ones, as in a steady run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ApplyBenchmark {
  /** memory; rocksdb alone; writebehind: the table in memory over RocksDB, as nodes run it. */
  @Param({"memory", "rocksdb", "writebehind"})
  String store;

  /**
   * recurring: Zipf keys out of 100,000, mostly found in the store; fresh: keys never seen, as
   * every first touch of a key is (and each bench phase's keys are); charges: an EVENTUAL sync's
   * charge batch of 300 distinct Zipf keys every 8 ms, so most buckets refill and expire between
   * two charges, as under the bench's EVENTUAL load (C = 100, R = 50/s).
   */
  @Param({"recurring", "fresh", "charges"})
  String keys;

  private static final int OPS = 100;
  private static final int CHARGES = 300;
  private static final long CHARGE_BATCH_STEP_NANOS = 8_000_000L;
  private Path directory;
  private BucketStore bucketStore;
  private EntryApplier applier;
  private List<LogEntry> entries;
  private long index;

  @Setup
  public void setUp() throws IOException {
    entries = keys.equals("charges") ? Entries.chargeBatches(1024, CHARGES, 100_000, 2)
        : Entries.zipf(1024, OPS, 100_000, 2);
    if (store.equals("rocksdb") || store.equals("writebehind")) {
      directory = Files.createTempDirectory("raftlimiter-jmh-");
      RocksDbBucketStore rocks = RocksDbBucketStore.open(directory);
      bucketStore = store.equals("rocksdb") ? rocks
          : new WriteBehindBucketStore(rocks, WriteBehindBucketStore.DEFAULT_MAX_PENDING_KEYS);
    } else {
      bucketStore = new InMemoryBucketStore();
    }
    applier = new EntryApplier(bucketStore);
  }

  /** One entry: 100 acquires, or with {@code keys=charges} a batch of 300 charges. */
  @Benchmark
  public List<Decision> applyBatchOf100() {
    index++;
    if (keys.equals("charges")) {
      LogEntry sync = entries.get((int) (index % entries.size()));
      byte[] id = ("sync-" + index).getBytes(StandardCharsets.UTF_8);
      return applier.apply(new LogEntry(1_000_000_000L + index * CHARGE_BATCH_STEP_NANOS,
          sync.ops(), id), 1, index);
    }
    LogEntry entry = keys.equals("fresh") ? Entries.fresh(index, OPS)
        : entries.get((int) (index % entries.size()));
    return applier.apply(entry.withStamp(1_000_000_000L + index * 1_000_000L), 1, index);
  }

  @TearDown
  public void tearDown() throws IOException {
    bucketStore.close();
    if (directory != null) {
      try (Stream<Path> paths = Files.walk(directory)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
