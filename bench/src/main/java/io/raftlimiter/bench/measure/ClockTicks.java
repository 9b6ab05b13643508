package io.raftlimiter.bench.measure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's clock ticks per second ({@code getconf CLK_TCK}), the unit of the CPU times in
 * {@code /proc/PID/stat}. Asked once; 100, the value on every usual Linux, when it cannot be.
 */
public final class ClockTicks {
  static final long USUAL = 100;
  private static volatile long perSecond;

  private ClockTicks() {}

  public static long perSecond() {
    long known = perSecond;
    if (known == 0) {
      known = ask();
      perSecond = known;
    }
    return known;
  }

  private static long ask() {
    try {
      Process process = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0
          ? parse(output) : USUAL;
    } catch (IOException e) {
      return USUAL;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return USUAL;
    }
  }

  /** {@code getconf}'s answer, or {@link #USUAL} when it is not a positive number. */
  static long parse(String output) {
    try {
      long ticks = Long.parseLong(output.trim());
      return ticks > 0 ? ticks : USUAL;
    } catch (NumberFormatException e) {
      return USUAL;
    }
  }
}
