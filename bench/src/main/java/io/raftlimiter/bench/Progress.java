package io.raftlimiter.bench;

import io.raftlimiter.bench.measure.PhaseRecorder;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A line a second on stderr while a phase runs: what, how far, how fast, how many errors. */
final class Progress implements AutoCloseable {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "bench-progress");
    thread.setDaemon(true);
    return thread;
  });
  private final PrintStream out;

  Progress(PrintStream out) {
    this.out = out;
  }

  /** Reports on {@code recorder} until {@link Runnable#run() run} is called on the result. */
  Runnable watch(String label, double seconds, PhaseRecorder recorder) {
    long start = System.nanoTime();
    long[] last = {0, start};
    ScheduledFuture<?> task = timer.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      long decisions = recorder.decisions();
      double rate = (decisions - last[0]) / ((now - last[1]) / 1e9);
      last[0] = decisions;
      last[1] = now;
      out.printf(Locale.ROOT, "%s %4.0f/%.0f s  %,10.0f decisions/s  %,d errors%n", label,
          (now - start) / 1e9, seconds, rate, recorder.errors());
    }, 1, 1, TimeUnit.SECONDS);
    return () -> task.cancel(false);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
