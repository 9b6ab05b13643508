package io.raftlimiter.bench.workload;

/**
 * What the load generator sends: which keys, how many permits per decision, how many decisions
 * per call, and how fast.
 *
 * @param ratePerSecond decisions per second for an open loop (calls are scheduled at fixed
 *     intended times), or 0 for a closed loop of {@code concurrency} calls in flight
 * @param maxOutstanding an open loop's cap on calls in flight, so an overloaded target slows the
 *     sender instead of exhausting memory (latency is still measured from the intended time)
 */
public record Workload(int keys, String distribution, long permits, int batch, int concurrency,
    double ratePerSecond, int maxOutstanding) {
  public Workload {
    if (keys < 1) {
      throw new IllegalArgumentException("--keys must be at least 1, got " + keys);
    }
    KeySampler.parse(distribution, keys); // validates
    if (permits < 1) {
      throw new IllegalArgumentException("--permits must be at least 1, got " + permits);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be at least 1, got " + concurrency);
    }
    if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
      throw new IllegalArgumentException("--rate must be >= 0, got " + ratePerSecond);
    }
    if (maxOutstanding < 1) {
      throw new IllegalArgumentException("--max-outstanding must be at least 1");
    }
  }

  public boolean openLoop() {
    return ratePerSecond > 0;
  }

  public KeySampler sampler() {
    return KeySampler.parse(distribution, keys);
  }

  /** Interval between intended call starts in an open loop. */
  public long callIntervalNanos() {
    return Math.max(1, Math.round(batch * 1e9 / ratePerSecond));
  }

  public String describe() {
    String loop = openLoop()
        ? String.format("open loop %,.0f decisions/s", ratePerSecond)
        : concurrency + " calls in flight";
    return String.format("%,d keys %s, %d permit(s), %s, %s", keys, distribution, permits,
        batch == 1 ? "single Acquire" : "AcquireBatch of " + batch, loop);
  }
}
