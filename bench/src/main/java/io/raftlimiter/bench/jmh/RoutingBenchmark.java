package io.raftlimiter.bench.jmh;

import io.raftlimiter.routing.KeyToGroup;
import io.raftlimiter.routing.PlacementRing;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing: hashing a key to its group (on every acquire) and placing a group's replicas on the
 * ring (on every membership change, for every group).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
  private final KeyToGroup keyToGroup = new KeyToGroup(12);
  private PlacementRing ring;
  private String[] keys;
  private int next;

  @Setup
  public void setUp() {
    ring = new PlacementRing(List.of("n1", "n2", "n3", "n4", "n5"));
    keys = new String[4096];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "user:" + (i * 7919L) + ":api";
    }
  }

  @Benchmark
  public int keyToGroup() {
    return keyToGroup.groupOf(keys[next++ & (keys.length - 1)]);
  }

  @Benchmark
  public List<String> replicasOfAGroup() {
    return ring.replicasOf(next++ & 63, 3);
  }

  @Benchmark
  public List<List<String>> placementOf64Groups() {
    return ring.placement(64, 3);
  }
}
