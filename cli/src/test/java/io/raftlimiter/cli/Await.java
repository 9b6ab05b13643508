package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** The one poll of the CLI's process tests: a condition checked until it holds or time is up. */
final class Await {
  private Await() {}

  /**
   * Checks {@code condition} every {@code every} until it holds; fails with {@code failure}'s
   * message (read only then, so it may describe the state at that moment) after {@code within}.
   */
  static void until(Duration within, Duration every, BooleanSupplier condition,
      Supplier<String> failure) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + within.toSeconds() + " s: " + failure.get());
      }
      Thread.sleep(every.toMillis());
    }
  }
}
