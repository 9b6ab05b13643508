package io.raftlimiter.bench.measure;

import java.util.Arrays;

/**
 * Over-admission over sliding windows, from the client's side: no bucket can admit more than
 * {@code C + R·t} tokens in any interval of length {@code t}, however short. Counting from a
 * key's first admission to its last (what {@link AdmissionLedger} does too) misses a burst of
 * {@code 1.5·C} in a moment if the key was quiet for long enough around it.
 *
 * <p>Each admission is known only to lie between its request's send and its answer, so a window
 * counts an admission only when its whole interval lies inside: with a key's admissions sorted by
 * send, the window from admission {@code i}'s send to the latest answer among {@code i..j}
 * certainly holds those {@code j − i + 1}. The excess of a key is the largest excess over such
 * windows; what is counted is certain, never a guess. Pure: the ledger hands it one key's
 * admissions at a time.
 *
 * <p>The pairs cost {@code n²} for a key with {@code n} admissions; beyond
 * {@link #EXHAUSTIVE_ADMISSIONS}, windows start at every k-th admission only (a lower bound
 * still).
 */
public final class WindowedOverAdmission {
  /** Keys with more admissions have their windows start at a stride (see the class comment). */
  static final int EXHAUSTIVE_ADMISSIONS = 4_096;

  private final long capacity;
  private final double refillPerMicro;

  public WindowedOverAdmission(long capacity, double refillPerSecond) {
    this.capacity = capacity;
    this.refillPerMicro = refillPerSecond / 1e6;
  }

  /**
   * The most tokens by which any window of one key's admissions exceeds {@code C + R·t}; 0 when
   * none does.
   *
   * @param admissions one key's admissions, each {@code {sentMicros, answeredMicros, permits}},
   *     in any order (sorted here by send)
   */
  public long maxExcess(long[][] admissions) {
    int n = admissions.length;
    if (n == 0) {
      return 0;
    }
    long total = 0;
    for (long[] a : admissions) {
      total += a[2];
    }
    if (total <= capacity) {
      return 0; // no window holds more than the key's all, nor more than C is ever over
    }
    long[][] sorted = admissions.clone();
    Arrays.sort(sorted, (x, y) -> Long.compare(x[0], y[0]));
    int stride = Math.max(1, n / EXHAUSTIVE_ADMISSIONS);
    long worst = 0;
    for (int i = 0; i < n; i += stride) {
      long start = sorted[i][0];
      long end = Long.MIN_VALUE;
      long tokens = 0;
      for (int j = i; j < n; j++) {
        end = Math.max(end, sorted[j][1]);
        tokens += sorted[j][2];
        long bound = capacity + (long) Math.floor(refillPerMicro * (end - start));
        worst = Math.max(worst, tokens - bound);
      }
    }
    return worst;
  }
}
