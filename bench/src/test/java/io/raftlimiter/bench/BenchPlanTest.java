package io.raftlimiter.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BenchPlanTest {
  @Test
  void aJvmOptionSetIsNamedByTheCollectorTheJvmWillUse() {
    assertEquals("ZGC", BenchPlan.jvmLabel("-Xmx1g -XX:+UseZGC", 0));
    assertEquals("G1GC", BenchPlan.jvmLabel("-XX:+UseG1GC -Xmx1g", 1));
    assertEquals("ParallelGC", BenchPlan.jvmLabel("-Xmx1g -XX:+UseParallelGC", 2));
    // The JVM takes the last of repeated flags; so does the name.
    assertEquals("G1GC", BenchPlan.jvmLabel("-XX:+UseParallelGC -XX:+UseG1GC", 0));
    assertEquals("jvm2", BenchPlan.jvmLabel("-Xmx2g", 1));
    assertEquals("default-jvm", BenchPlan.jvmLabel(null, 0));
  }
}
