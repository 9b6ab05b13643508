package io.raftlimiter.server.runtime;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's background threads: daemons (a node that is not closed must not keep the JVM alive),
 * named after their job so that a thread dump reads.
 */
public final class DaemonThreads {
  private static final Logger LOG = LoggerFactory.getLogger(DaemonThreads.class);
  private DaemonThreads() {}

  /**
   * Runs {@code task} on {@code timer} every {@code period} (after the previous run ends). A
   * periodic task that throws is never run again by the JDK's scheduler, silently; here an
   * exception is logged with the task's {@code name}, counted in {@code failures}, and the task
   * runs again at its next turn. An {@link Error} is logged and counted, and ends the task: see
   * {@link #guarded}.
   */
  public static void every(ScheduledExecutorService timer, String name, long initialDelay,
      long period, TimeUnit unit, CounterDataPoint failures, Runnable task) {
    timer.scheduleWithFixedDelay(guarded(name, failures, task), initialDelay, period, unit);
  }

  /**
   * {@code task}, logging and counting what it throws. An exception is not passed on: the task
   * is a fault of one run. An {@link Error} is passed on after that: after an out-of-memory or
   * a linkage error the process is not sound, and a node that kept its tasks running on would
   * look alive while half of it is dead; nodes run with {@code -XX:+ExitOnOutOfMemoryError} so
   * that the JVM ends instead.
   */
  public static Runnable guarded(String name, CounterDataPoint failures, Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        failures.inc();
        LOG.error("background task '{}' failed; it runs again at its next turn", name, e);
      } catch (Error e) {
        failures.inc();
        LOG.error("background task '{}' failed with an error the process cannot survive; the "
            + "task ends", name, e);
        throw e;
      }
    };
  }

  /** Threads named {@code prefix-1}, {@code prefix-2}, ... */
  public static ThreadFactory named(String prefix) {
    AtomicLong count = new AtomicLong();
    return runnable -> daemon(runnable, prefix + "-" + count.incrementAndGet());
  }

  /** A timer with one thread called {@code name}. */
  public static ScheduledExecutorService timer(String name) {
    return Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable, name));
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    // what a thread dies of is in the node's log, not only on its stderr
    thread.setUncaughtExceptionHandler((dead, e) ->
        LOG.error("thread '{}' ended by an uncaught {}", dead.getName(), e.toString(), e));
    return thread;
  }
}
