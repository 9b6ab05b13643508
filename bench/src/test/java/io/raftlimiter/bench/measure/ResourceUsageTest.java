package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceUsageTest {
  @Test
  void cpuPerDecisionIsCpuTimeOverDecisions() {
    // 3 processes used 12 CPU-seconds over a 10 s phase deciding 400,000 times
    ResourceUsage nodes = new ResourceUsage(12_000_000_000L, 10, -1, -1, "nodes");
    assertEquals(30.0, nodes.cpuMicrosPer(400_000), 1e-9);
    assertEquals(1.2, nodes.cpuCores(), 1e-9);
  }

  @Test
  void unknownWhenNotMeasuredOrNothingDecided() {
    assertTrue(Double.isNaN(ResourceUsage.unknown("elsewhere").cpuMicrosPer(1000)));
    assertEquals(-1, ResourceUsage.unknown("elsewhere").cpuCores());
    assertTrue(Double.isNaN(new ResourceUsage(5_000, 1, -1, -1, "x").cpuMicrosPer(0)));
  }

  @Test
  void probeOfThisProcessSeesItsOwnCpu() {
    ResourceProbe self = ResourceProbe.processes(java.util.List.of(ProcessHandle.current().pid()),
        "this JVM");
    ResourceProbe.Reading before = self.read();
    long spin = System.nanoTime() + 300_000_000L;
    long sink = 0;
    while (System.nanoTime() < spin) {
      sink += sink * 31 + 7;
    }
    assertTrue(sink != 1); // keep the loop
    ResourceUsage usage = self.usageSince(before, 0.3);
    if (before.cpuNanos() >= 0) { // Linux
      assertTrue(usage.cpuNanos() > 0, "no CPU seen: " + usage);
      assertTrue(usage.contextSwitches() >= 0, "context switches unread: " + usage);
      assertTrue(usage.compilerNanos() >= 0, "compiler threads unread: " + usage);
      assertTrue(usage.compilerNanos() <= usage.cpuNanos(), "compiler beyond the total: " + usage);
      assertTrue(usage.rssBytes() > 0, "no RSS: " + usage);
    }
  }

  @Test
  void aThreadThatEndsMidPhaseDoesNotCancelTheOthersSwitches() {
    // Before: a busy thread (9,000 switches) that ended; after: the others switched 500 times
    // and a new thread 20. Summed over live threads, the phase would read 520 - 9,000 < 0.
    Map<String, Long> before = Map.of("1/1", 1_000L, "1/2", 9_000L);
    Map<String, Long> after = Map.of("1/1", 1_500L, "1/3", 20L);
    assertEquals(520, ResourceProbe.growthBetween(before, after));
    assertEquals(-1, ResourceProbe.growthBetween(null, after));
    assertEquals(-1, ResourceProbe.growthBetween(before, null));
  }
}
