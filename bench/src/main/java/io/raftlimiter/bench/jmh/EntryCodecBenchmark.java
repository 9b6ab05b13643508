package io.raftlimiter.bench.jmh;

import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/** Encoding an entry on the leader and decoding it on every replica. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EntryCodecBenchmark {
  /** Ops per entry: a lone acquire, a typical group commit, a full AcquireBatch. */
  @Param({"1", "30", "100"})
  int ops;

  private LogEntry entry;
  private byte[] encoded;

  @Setup
  public void setUp() {
    entry = Entries.zipf(1, ops, 100_000, 1).get(0);
    encoded = LogEntryCodec.encode(entry);
  }

  @Benchmark
  public byte[] encode() {
    return LogEntryCodec.encode(entry);
  }

  @Benchmark
  public LogEntry decode() {
    return LogEntryCodec.decode(encoded);
  }
}
