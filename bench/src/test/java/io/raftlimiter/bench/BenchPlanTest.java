package io.raftlimiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchPlanTest {
  @Test
  void aJvmOptionSetIsNamedByTheCollectorTheJvmWillUse() {
    List<String> sets = List.of("-Xmx1g -XX:+UseZGC", "-XX:+UseG1GC -Xmx1g",
        "-Xmx1g -XX:+UseParallelGC", "-Xmx2g");
    assertEquals("ZGC", BenchPlan.jvmLabel(sets, 0));
    assertEquals("G1GC", BenchPlan.jvmLabel(sets, 1));
    assertEquals("ParallelGC", BenchPlan.jvmLabel(sets, 2));
    assertEquals("jvm4", BenchPlan.jvmLabel(sets, 3));
    // The JVM takes the last of repeated flags; so does the name.
    assertEquals("G1GC", BenchPlan.jvmLabel(List.of("-XX:+UseParallelGC -XX:+UseG1GC"), 0));
    assertEquals("default-jvm", BenchPlan.jvmLabel(Arrays.asList((String) null), 0));
  }

  @Test
  void setsOfOneCollectorAreNamedByTheirPlace() {
    List<String> sets = List.of("-XX:+UseParallelGC", "-XX:+UseParallelGC -Dsome.setting=2");
    assertEquals("jvm1", BenchPlan.jvmLabel(sets, 0));
    assertEquals("jvm2", BenchPlan.jvmLabel(sets, 1));
  }
}
