package io.raftlimiter.bench.measure;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Reads a process's CPU time and memory: this JVM (which hosts the embedded cluster, and the load
 * generator with it) or another process by pid (a Redis server). Linux only for the resident set
 * size; elsewhere it reads as unknown.
 */
public interface ResourceProbe {
  /** CPU time used so far, or -1. */
  long cpuNanos();

  /** Heap in use, or -1 when not a JVM we can see into. */
  long heapUsedBytes();

  /** Resident set size, or -1. */
  long rssBytes();

  String what();

  /** Usage over a phase that started when the probe read {@code cpuNanosBefore}. */
  default ResourceUsage usageSince(long cpuNanosBefore, double seconds) {
    long cpuNow = cpuNanos();
    double cores = cpuNow < 0 || cpuNanosBefore < 0 || seconds <= 0
        ? -1 : (cpuNow - cpuNanosBefore) / 1e9 / seconds;
    return new ResourceUsage(cores, heapUsedBytes(), rssBytes(), what());
  }

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

  static ResourceProbe process(ProcessHandle process, String what) {
    return new ResourceProbe() {
      @Override
      public long cpuNanos() {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
      }

      @Override
      public long heapUsedBytes() {
        return -1;
      }

      @Override
      public long rssBytes() {
        return rssOf(Path.of("/proc", Long.toString(process.pid()), "status"));
      }

      @Override
      public String what() {
        return what;
      }
    };
  }

  private static long rssOf(Path status) {
    try {
      return ProcStatus.rssBytes(Files.readString(status));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
