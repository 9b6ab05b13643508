package io.raftlimiter.bench.measure;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

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

  /**
   * CPU time so far, in nanoseconds, of each live JIT compiler thread, by process and thread id,
   * or null when unknown. Per thread for the reason {@link #threadSwitches} is.
   */
  default Map<String, Long> compilerThreadNanos() {
    return null;
  }

  /** Usage over a phase that started when the probe read {@code before}. */
  default ResourceUsage usageSince(Reading before, double seconds) {
    long cpuNow = cpuNanos();
    long used = cpuNow < 0 || before.cpuNanos() < 0 ? -1 : cpuNow - before.cpuNanos();
    return new ResourceUsage(used, seconds, heapUsedBytes(), rssBytes(), what(),
        growthBetween(before.threadSwitches(), threadSwitches()),
        growthBetween(before.compilerThreadNanos(), compilerThreadNanos()));
  }

  /**
   * What the per-thread counters of the threads alive at {@code after} grew by since
   * {@code before} (all of a thread's count for a thread started since), or -1 when either is
   * unknown. A thread that ended in between takes its count with it: a lower bound. Used for
   * context switches and for the compiler threads' CPU time.
   */
  static long growthBetween(Map<String, Long> before, Map<String, Long> after) {
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
    return new Reading(cpuNanos(), threadSwitches(), compilerThreadNanos());
  }

  /**
   * CPU time (-1 when unknown), each thread's context switches and each compiler thread's CPU
   * time (null when unknown) at one moment.
   */
  record Reading(long cpuNanos, Map<String, Long> threadSwitches,
      Map<String, Long> compilerThreadNanos) {}

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
        return perThread(pids, task -> {
          long count = switchesOf(task.resolve("status"));
          return count >= 0 ? count : null; // else the thread ended meanwhile
        });
      }

      @Override
      public Map<String, Long> compilerThreadNanos() {
        return perThread(pids, task -> {
          String stat = statOf(task.resolve("stat"));
          return stat == null || !ProcStat.isCompilerThread(ProcStat.name(stat)) ? null
              : ProcStat.ticksToNanos(ProcStat.cpuTicks(stat), ticksPerSecond);
        });
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

  /**
   * {@code read} of each live thread of the processes {@code pids}, by process and thread id,
   * leaving out the threads it reads null for; null when a process is gone (a sum would mislead).
   */
  private static Map<String, Long> perThread(List<Long> pids, Function<Path, Long> read) {
    Map<String, Long> values = new HashMap<>();
    for (long pid : pids) {
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc(pid, "task"))) {
        for (Path task : tasks) {
          Long value = read.apply(task);
          if (value != null) {
            values.put(pid + "/" + task.getFileName(), value);
          }
        }
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
    return values;
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

  /** A thread's stat line, or null when the thread ended meanwhile. */
  private static String statOf(Path stat) {
    try {
      return Files.readString(stat);
    } catch (IOException e) {
      return null;
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
