package io.raftlimiter.bench.measure;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CPU time and memory: of this JVM (the load generator, and the embedded cluster when there
 * is one) or of other processes by pid, summed (node processes, a Redis server). Linux only for
 * other processes and for the resident set size; elsewhere they read as unknown.
 */
public interface ResourceProbe {
  /** CPU time used so far, or -1. */
  long cpuNanos();

  /** Heap in use, or -1 when not a JVM we can see into. */
  long heapUsedBytes();

  /** Resident set size, or -1. */
  long rssBytes();

  String what();

  /**
   * Context switches so far of each live thread, by process and thread id, or null when unknown.
   * Per thread, because a process's total over its live threads falls whenever a busy thread ends
   * (a pool retiring an idle worker), which would hide a phase's switches behind a negative sum.
   */
  default Map<String, Long> threadSwitches() {
    return null;
  }

  /** Usage over a phase that started when the probe read {@code before}. */
  default ResourceUsage usageSince(Reading before, double seconds) {
    long cpuNow = cpuNanos();
    long used = cpuNow < 0 || before.cpuNanos() < 0 ? -1 : cpuNow - before.cpuNanos();
    return new ResourceUsage(used, seconds, heapUsedBytes(), rssBytes(), what(),
        switchesBetween(before.threadSwitches(), threadSwitches()));
  }

  /**
   * The context switches of the threads alive at {@code after} since {@code before} (all of
   * theirs for a thread started since), or -1 when either is unknown. A thread that ended in
   * between takes its switches with it: a lower bound.
   */
  static long switchesBetween(Map<String, Long> before, Map<String, Long> after) {
    if (before == null || after == null) {
      return -1;
    }
    long sum = 0;
    for (Map.Entry<String, Long> thread : after.entrySet()) {
      sum += Math.max(0, thread.getValue() - before.getOrDefault(thread.getKey(), 0L));
    }
    return sum;
  }

  /** The counters a phase's usage is the difference of, read at its start. */
  default Reading read() {
    return new Reading(cpuNanos(), threadSwitches());
  }

  /** CPU time (-1 when unknown) and each thread's context switches (null) at one moment. */
  record Reading(long cpuNanos, Map<String, Long> threadSwitches) {}

  static ResourceProbe thisJvm(String what) {
    return new ResourceProbe() {
      @Override
      public long cpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun
            ? sun.getProcessCpuTime() : -1;
      }

      @Override
      public long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      }

      @Override
      public long rssBytes() {
        return rssOf(Path.of("/proc/self/status"));
      }

      @Override
      public String what() {
        return what;
      }
    };
  }

  /** The processes {@code pids} together: CPU time and resident memory summed. */
  static ResourceProbe processes(List<Long> pids, String what) {
    long ticksPerSecond = ClockTicks.perSecond();
    return new ResourceProbe() {
      @Override
      public long cpuNanos() {
        long ticks = 0;
        for (long pid : pids) {
          try {
            ticks += ProcStat.cpuTicks(Files.readString(proc(pid, "stat")));
          } catch (IOException | RuntimeException e) {
            return -1; // a process gone: the sum would mislead
          }
        }
        return ProcStat.ticksToNanos(ticks, ticksPerSecond);
      }

      @Override
      public Map<String, Long> threadSwitches() {
        Map<String, Long> switches = new HashMap<>();
        for (long pid : pids) {
          try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc(pid, "task"))) {
            for (Path task : tasks) {
              long count = switchesOf(task.resolve("status"));
              if (count >= 0) { // else the thread ended meanwhile
                switches.put(pid + "/" + task.getFileName(), count);
              }
            }
          } catch (IOException | RuntimeException e) {
            return null; // a process gone: the sum would mislead
          }
        }
        return switches;
      }

      @Override
      public long heapUsedBytes() {
        return -1;
      }

      @Override
      public long rssBytes() {
        long sum = 0;
        for (long pid : pids) {
          long rss = rssOf(proc(pid, "status"));
          if (rss < 0) {
            return -1;
          }
          sum += rss;
        }
        return sum;
      }

      @Override
      public String what() {
        return what;
      }
    };
  }

  private static Path proc(long pid, String file) {
    return Path.of("/proc", Long.toString(pid), file);
  }

  private static long switchesOf(Path status) {
    try {
      return ProcStatus.contextSwitches(Files.readString(status));
    } catch (IOException e) {
      return -1;
    }
  }

  private static long rssOf(Path status) {
    try {
      return ProcStatus.rssBytes(Files.readString(status));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
