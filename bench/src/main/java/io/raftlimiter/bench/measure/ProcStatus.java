package io.raftlimiter.bench.measure;

/** Parses Linux's {@code /proc/PID/status}. */
public final class ProcStatus {
  private ProcStatus() {}

  /** {@code VmRSS} in bytes, or -1 if the text has none. */
  public static long rssBytes(String statusText) {
    for (String line : statusText.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        String[] parts = line.substring("VmRSS:".length()).trim().split("\\s+");
        long value = Long.parseLong(parts[0]);
        return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? value * 1024 : value;
      }
    }
    return -1;
  }

  /**
   * {@code voluntary_ctxt_switches} plus {@code nonvoluntary_ctxt_switches}, or -1 if the text has
   * neither. Of one thread when read from {@code /proc/PID/task/TID/status}; the process's own
   * status file counts its main thread only.
   */
  public static long contextSwitches(String statusText) {
    long sum = 0;
    boolean found = false;
    for (String line : statusText.split("\n")) {
      if (line.startsWith("voluntary_ctxt_switches:")
          || line.startsWith("nonvoluntary_ctxt_switches:")) {
        sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        found = true;
      }
    }
    return found ? sum : -1;
  }
}
