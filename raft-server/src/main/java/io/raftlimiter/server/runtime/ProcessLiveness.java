package io.raftlimiter.server.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a process still runs, as Linux says. {@link ProcessHandle#isAlive} counts a process that
 * has exited but not been reaped (a zombie) as alive, and a node of {@code cluster up} is not the
 * caller's child: its reaper is whatever adopted it, which may take seconds or never come.
 */
public final class ProcessLiveness {
  private ProcessLiveness() {}

  /** Whether {@code process} runs: alive to the JDK and not a zombie. */
  public static boolean running(ProcessHandle process) {
    return process.isAlive() && !exited(process.pid());
  }

  /** Whether Linux says {@code pid} has exited (zombie or dead); false where there is no /proc. */
  public static boolean exited(long pid) {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      String line = Files.readString(stat);
      // "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the last ')'
      int end = line.lastIndexOf(')');
      char state = end < 0 || end + 2 >= line.length() ? '?' : line.charAt(end + 2);
      return state == 'Z' || state == 'X' || state == 'x';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
