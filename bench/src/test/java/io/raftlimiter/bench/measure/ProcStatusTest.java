package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProcStatusTest {
  @Test
  void readsVmRss() {
    String status = "Name:\tjava\nVmPeak:\t 9000 kB\nVmRSS:\t  123456 kB\nThreads:\t40\n";
    assertEquals(123456L * 1024, ProcStatus.rssBytes(status));
    assertEquals(-1, ProcStatus.rssBytes("Name:\tkthreadd\n"));
  }

  @Test
  void sumsVoluntaryAndInvoluntaryContextSwitches() {
    String status = "Name:\tgrpc-default-wo\nvoluntary_ctxt_switches:\t1200\n"
        + "nonvoluntary_ctxt_switches:\t34\n";
    assertEquals(1234, ProcStatus.contextSwitches(status));
    assertEquals(-1, ProcStatus.contextSwitches("Name:\tjava\n"));
  }
}
