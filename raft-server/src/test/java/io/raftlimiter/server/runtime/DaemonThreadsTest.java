package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A background task survives an exception, logged and counted, and runs again; an
 * {@link Error} (an out-of-memory one, say) is logged and counted but not swallowed, so that a
 * node does not run on half dead.
 */
class DaemonThreadsTest {
  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void aTaskThatThrowsAnExceptionIsCountedAndRunsAgain() throws Exception {
    Counter failures = Counter.builder().name("test").build();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch ranAgain = new CountDownLatch(1);
    ScheduledExecutorService timer = DaemonThreads.timer("test-timer");
    try {
      DaemonThreads.every(timer, "flaky", 0, 10, TimeUnit.MILLISECONDS, failures, () -> {
        if (runs.incrementAndGet() == 1) {
          throw new IllegalStateException("a survivable fault");
        }
        ranAgain.countDown();
      });
      assertTrue(ranAgain.await(20, TimeUnit.SECONDS));
      assertEquals(1, failures.getLongValue());
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void anErrorIsCountedAndPassedOn() {
    Counter failures = Counter.builder().name("test").build();
    OutOfMemoryError oom = new OutOfMemoryError("test: Java heap space");
    Error thrown = assertThrows(Error.class,
        () -> DaemonThreads.guarded("hungry", failures, () -> {
          throw oom;
        }).run());
    assertSame(oom, thrown);
    assertEquals(1, failures.getLongValue(), "counted before it is passed on");
  }
}
