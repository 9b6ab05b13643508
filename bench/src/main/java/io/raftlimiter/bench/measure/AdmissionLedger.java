package io.raftlimiter.bench.measure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a limiter's decisions against the ideal token bucket (capacity {@code C}, refill
 * {@code R}/s) from what the client alone can see: when it sent each request, when the answer
 * came, and the answer. The server's decision instant is unknown but lies between the two, so
 * every check takes the side of that interval that favours the limiter; what is counted is then
 * certain, not a guess.
 *
 * <p><b>Over-admission</b>, per key: no bucket can admit more than {@code C + R·t} tokens in an
 * interval of length {@code t}. Taking {@code t} from the send of the key's first allowed request
 * to the answer of its last, tokens allowed beyond {@code floor(C + R·t)} were over-admitted for
 * sure. Over sliding windows too ({@link WindowedOverAdmission}): a burst in a moment counts even
 * when the whole run stays within the bound.
 *
 * <p><b>Under-admission</b>, a lower bound: a client-side ideal bucket, full at the start, is
 * charged for every allowed request at the <em>latest</em> instant it can have been decided (its
 * answer) — and for every failed call too, which may have taken tokens before failing. A rejection
 * counts as under-admission only if that bucket, read at the rejection's <em>send</em> (stepping
 * back from a later charge by {@code R} per second), still held the permits with every request
 * then in flight on the key charged as if allowed. Charging late, reading early and assuming the
 * worst of requests in flight each lower the ideal bucket, so a rejection counted here is one the
 * ideal bucket would have allowed whatever order the server saw. It assumes fresh keys: every
 * measured phase uses its own key names ({@code KeySpace}).
 *
 * <p>Keys are ids {@code 0..K-1}, so state lives in primitive arrays indexed by id: 28 bytes a
 * key, 280 MB for ten million, allocated once per phase. Times are microseconds since the
 * phase's epoch in an {@code int} (35 minutes). Updates of a key are serialised by a lock stripe.
 */
public final class AdmissionLedger {
  /** What one decision of a call came back as. */
  public enum Outcome { ALLOWED, REJECTED, FAILED }

  /** Over- and under-admission of one phase. */
  public record Summary(long keysAdmitted, long overAdmittedTokens, long keysOver,
      long underAdmittedDecisions, long windowOverAdmittedTokens, long keysWindowOver) {
    /** Without admissions kept for the windowed check. */
    public Summary(long keysAdmitted, long overAdmittedTokens, long keysOver,
        long underAdmittedDecisions) {
      this(keysAdmitted, overAdmittedTokens, keysOver, underAdmittedDecisions, 0, 0);
    }
  }

  /**
   * Admissions kept for the windowed check ({@link WindowedOverAdmission}), 16 bytes each: a
   * phase of 10 s at 100,000 admissions/s keeps 16 MB; beyond this many, later admissions are
   * not checked over windows (the summary says how many were).
   */
  public static final int MAX_KEPT_ADMISSIONS = 8 << 20;

  private static final int STRIPES = 4096;
  private static final long MICRO_TOKENS = 1_000_000L;

  private final long epochNanos;
  private final long capacity;
  private final double refillPerSecond;
  private final int[] firstAllowedSentMicros;
  private final int[] lastAllowedAnsweredMicros;
  private final int[] allowedPermits;
  private final int[] idealChargedMicros;
  private final long[] idealDeficitMicroTokens; // below full at idealChargedMicros; 0 = full
  private final int[] inFlightPermits;
  private final Object[] stripes = new Object[STRIPES];
  /**
   * Every admission in arrival order, two longs each: key and permits, then sent and answered
   * (µs since the epoch, 32 bits each). Grown by doubling, under its own lock.
   */
  private long[] kept = new long[2 * 1024];
  private int keptCount;
  private long notKept;
  private final long[] underAdmittedByStripe = new long[STRIPES];

  public AdmissionLedger(int keys, long capacity, double refillPerSecond, long epochNanos) {
    if (capacity < 1 || !(refillPerSecond > 0)) {
      throw new IllegalArgumentException("capacity and refill must be positive");
    }
    this.epochNanos = epochNanos;
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    firstAllowedSentMicros = new int[keys];
    lastAllowedAnsweredMicros = new int[keys];
    allowedPermits = new int[keys];
    idealChargedMicros = new int[keys];
    idealDeficitMicroTokens = new long[keys];
    inFlightPermits = new int[keys];
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** A request for {@code permits} on {@code key} went out. */
  public void sent(int key, long permits) {
    synchronized (stripes[key & (STRIPES - 1)]) {
      inFlightPermits[key] += (int) permits;
    }
  }

  /** The answer to a request {@link #sent} earlier. */
  public void decided(int key, long permits, Outcome outcome, long sentNanos, long answeredNanos) {
    int sent = micros(sentNanos, false);
    int answered = micros(answeredNanos, true);
    synchronized (stripes[key & (STRIPES - 1)]) {
      inFlightPermits[key] -= (int) permits;
      switch (outcome) {
        case ALLOWED -> {
          if (allowedPermits[key] == 0 || sent < firstAllowedSentMicros[key]) {
            firstAllowedSentMicros[key] = sent;
          }
          lastAllowedAnsweredMicros[key] = Math.max(lastAllowedAnsweredMicros[key], answered);
          allowedPermits[key] += (int) permits;
          chargeIdeal(key, permits, answered);
          keep(key, permits, sent, answered);
        }
        case FAILED -> chargeIdeal(key, permits, answered);
        case REJECTED -> {
          if (idealHeld(key, permits, sent)) {
            underAdmittedByStripe[key & (STRIPES - 1)]++;
          }
        }
      }
    }
  }

  private void keep(int key, long permits, int sent, int answered) {
    synchronized (this) {
      if (keptCount == MAX_KEPT_ADMISSIONS) {
        notKept++;
        return;
      }
      if (2 * keptCount == kept.length) {
        kept = Arrays.copyOf(kept, Math.min(2 * kept.length, 2 * MAX_KEPT_ADMISSIONS));
      }
      kept[2 * keptCount] = ((long) key << 32) | (permits & 0xFFFF_FFFFL);
      kept[2 * keptCount + 1] = ((long) sent << 32) | (answered & 0xFFFF_FFFFL);
      keptCount++;
    }
  }

  /** Admissions past {@link #MAX_KEPT_ADMISSIONS}, not checked over windows. */
  public synchronized long admissionsNotWindowChecked() {
    return notKept;
  }

  /**
   * The windowed over-admission of the kept admissions: {tokens over, keys over}. Only keys
   * that admitted more than {@code C} in all can be over in a window, so only theirs are sorted
   * and checked.
   */
  private synchronized long[] windowed() {
    // the candidates, by key: few (a key must have admitted more than C in all)
    Map<Integer, List<long[]>> candidates = new HashMap<>();
    for (int key = 0; key < allowedPermits.length; key++) {
      if (allowedPermits[key] > capacity) {
        candidates.put(key, new ArrayList<>());
      }
    }
    for (int i = 0; i < keptCount && !candidates.isEmpty(); i++) {
      List<long[]> admissions = candidates.get((int) (kept[2 * i] >>> 32));
      if (admissions != null) {
        long times = kept[2 * i + 1];
        admissions.add(new long[] {times >>> 32, times & 0xFFFF_FFFFL,
            kept[2 * i] & 0xFFFF_FFFFL});
      }
    }
    WindowedOverAdmission check = new WindowedOverAdmission(capacity, refillPerSecond);
    long tokens = 0;
    long keys = 0;
    for (List<long[]> admissions : candidates.values()) {
      long excess = check.maxExcess(admissions.toArray(long[][]::new));
      if (excess > 0) {
        tokens += excess;
        keys++;
      }
    }
    return new long[] {tokens, keys};
  }

  private void chargeIdeal(int key, long permits, int atMicros) {
    int last = idealChargedMicros[key];
    long deficit = idealDeficitMicroTokens[key];
    if (atMicros > last) {
      deficit = Math.max(0, deficit - (long) Math.floor((atMicros - last) * refillPerSecond));
      idealChargedMicros[key] = atMicros;
    }
    // An admission the ideal bucket could not afford leaves it in debt; that is the limiter's
    // over-admission (counted separately) and must not make later rejections look wrong.
    idealDeficitMicroTokens[key] = deficit + permits * MICRO_TOKENS;
  }

  private boolean idealHeld(int key, long permits, int atMicros) {
    long deficit = idealDeficitMicroTokens[key];
    if (deficit > 0) { // never charged means full at any instant
      int last = idealChargedMicros[key];
      deficit = atMicros >= last
          ? Math.max(0, deficit - (long) Math.floor((atMicros - last) * refillPerSecond))
          : deficit + (long) Math.ceil((last - atMicros) * refillPerSecond);
    }
    long available = capacity * MICRO_TOKENS - deficit - inFlightPermits[key] * MICRO_TOKENS;
    return available >= permits * MICRO_TOKENS;
  }

  private int micros(long nanos, boolean roundUp) {
    long elapsed = nanos - epochNanos;
    long micros = roundUp ? Math.floorDiv(elapsed + 999, 1000) : Math.floorDiv(elapsed, 1000);
    if (micros < 0 || micros > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("time outside the phase: " + elapsed + " ns");
    }
    return (int) micros;
  }

  /** Sums over all keys; call once the phase's calls have all been answered. */
  public Summary summary() {
    long keysAdmitted = 0;
    long overTokens = 0;
    long keysOver = 0;
    for (int key = 0; key < allowedPermits.length; key++) {
      int allowed;
      long windowMicros;
      synchronized (stripes[key & (STRIPES - 1)]) {
        allowed = allowedPermits[key];
        windowMicros = (long) lastAllowedAnsweredMicros[key] - firstAllowedSentMicros[key];
      }
      if (allowed == 0) {
        continue;
      }
      keysAdmitted++;
      long bound = capacity + (long) Math.floor(refillPerSecond * windowMicros / 1e6);
      if (allowed > bound) {
        overTokens += allowed - bound;
        keysOver++;
      }
    }
    long under = 0;
    for (int i = 0; i < STRIPES; i++) {
      synchronized (stripes[i]) {
        under += underAdmittedByStripe[i];
      }
    }
    long[] windowed = windowed();
    return new Summary(keysAdmitted, overTokens, keysOver, under, windowed[0], windowed[1]);
  }
}
