package io.raftlimiter.bench.measure;

/**
 * Parses Linux's {@code /proc/PID/stat}. CPU time is read from there rather than from
 * {@code ProcessHandle.Info}, which rounds per process and is absent for processes the JVM did not
 * start on some platforms; the bench sums it over node processes started by another program.
 */
public final class ProcStat {
  private ProcStat() {}

  /**
   * User plus system CPU time ({@code utime + stime}, fields 14 and 15) in clock ticks. The
   * command name (field 2) may hold spaces and parentheses, so fields are counted from its last
   * closing parenthesis.
   */
  public static long cpuTicks(String statText) {
    int close = statText.lastIndexOf(')');
    if (close < 0) {
      throw new IllegalArgumentException("not a /proc/PID/stat line: " + statText);
    }
    String[] fields = statText.substring(close + 1).trim().split("\\s+");
    // fields[0] is field 3 (state), so field n is fields[n - 3]
    return Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
  }

  /**
   * The command name (field 2, without its parentheses): a thread's name, as the JVM set it and
   * truncated to 15 bytes, when read from {@code /proc/PID/task/TID/stat}.
   */
  public static String name(String statText) {
    int open = statText.indexOf('(');
    int close = statText.lastIndexOf(')');
    if (open < 0 || close < open) {
      throw new IllegalArgumentException("not a /proc/PID/stat line: " + statText);
    }
    return statText.substring(open + 1, close);
  }

  /** Whether a thread of this name is one of HotSpot's JIT compiler threads. */
  public static boolean isCompilerThread(String name) {
    return name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
  }

  /** {@code ticks} of a clock running at {@code ticksPerSecond}, in nanoseconds. */
  public static long ticksToNanos(long ticks, long ticksPerSecond) {
    return ticks * 1_000_000_000L / ticksPerSecond; // overflows only past ~3 CPU-years at 100 Hz
  }
}
