package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProcStatTest {
  @Test
  void sumsUserAndSystemTicks() {
    // fields 14 (utime) = 1500 and 15 (stime) = 230; the name holds a space and a parenthesis
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 12345 0 7 0 1500 230 0 0 20 0 "
        + "55 0 123456 9876543210 54321 18446744073709551615";
    assertEquals(1730, ProcStat.cpuTicks(stat));
    assertThrows(IllegalArgumentException.class, () -> ProcStat.cpuTicks("garbage"));
  }

  @Test
  void readsTheThreadNameAndKnowsTheCompilerThreads() {
    String compiler = "77 (C2 CompilerThre) S 1 4242 4242 0 -1 4194560 1 0 0 0 900 12 0 0 20 0";
    assertEquals("C2 CompilerThre", ProcStat.name(compiler));
    assertTrue(ProcStat.isCompilerThread(ProcStat.name(compiler)));
    assertTrue(ProcStat.isCompilerThread("C1 CompilerThre"));
    assertEquals("java (x) y", ProcStat.name("4242 (java (x) y) S 1"));
    assertEquals(false, ProcStat.isCompilerThread("grpc-default-wo"));
    assertThrows(IllegalArgumentException.class, () -> ProcStat.name("garbage"));
  }

  @Test
  void convertsTicksToNanos() {
    assertEquals(17_300_000_000L, ProcStat.ticksToNanos(1730, 100));
    assertEquals(1_730_000_000L, ProcStat.ticksToNanos(1730, 1000));
  }

  @Test
  void readsThisProcess() throws Exception {
    Path self = Path.of("/proc/self/stat");
    if (Files.exists(self)) {
      assertTrue(ProcStat.cpuTicks(Files.readString(self)) >= 0);
    }
  }

  @Test
  void clockTicksFallBackToTheUsualHundred() {
    assertEquals(100, ClockTicks.parse("100\n"));
    assertEquals(1000, ClockTicks.parse("1000"));
    assertEquals(ClockTicks.USUAL, ClockTicks.parse("undefined"));
    assertEquals(ClockTicks.USUAL, ClockTicks.parse("-1"));
  }
}
