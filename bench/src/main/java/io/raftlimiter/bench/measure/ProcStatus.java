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
}
