package io.raftlimiter.bucket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The LEASED window guarantee on the bucket alone: several nodes hold leases, each spending its
 * tokens no later than {@link LeaseTerm#spendableNanos} after its grant, while callers acquire
 * straight from the bucket; no interval of length t admits more than {@code C + R·t}.
 */
class TokenBucketLeaseWindowTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MILLI = 1_000_000L;
  private static final long T0 = 1_700_000_000L * SECOND;
  private static final BucketLimit LIMIT = BucketLimit.of(100, 50);
  private static final int NODES = 3;

  /** Tokens admitted at one instant. */
  private record Admission(long atNanos, long tokens) {}

  /**
   * The burst the shares used to allow: three nodes take their shares (48 tokens), the bucket
   * refills while they hold them, and then the nodes spend their shares and callers empty the
   * bucket at the same instant. The bucket used to refill as if the shares were spent, so that
   * instant admitted 110 tokens where C + R·0 is 100 (up to 148 had the nodes waited a second).
   */
  @Test
  void sharesHeldWhileTheBucketRefillsCannotBurstPastTheCapacity() {
    List<Admission> admitted = new ArrayList<>();
    BucketState state = null;
    long shares = 0;
    for (int node = 0; node < NODES; node++) {
      TokenBucket.Outcome grant = TokenBucket.lease(state, LIMIT, LIMIT.capacity() / (2 * NODES), T0);
      state = grant.state();
      shares += grant.decision().granted();
    }
    assertEquals(48, shares);
    long burstNanos = T0 + 200 * MILLI; // before the nodes must stop spending (a 250 ms half term)
    assertTrue(burstNanos - T0 < LeaseTerm.spendableNanos(LIMIT));
    admitted.add(new Admission(burstNanos, shares));
    admitted.add(new Admission(burstNanos, drain(state, burstNanos)));
    assertWithinWindows(admitted);
  }

  /** Once the terms are over, a bucket nobody touches is full again: leases only delay refill. */
  @Test
  void leasedTokensComeBackWhenTheirTermsAreOver() {
    BucketState state = TokenBucket.lease(null, LIMIT, 40, T0).state();
    long termNanos = LeaseTerm.termNanos(LIMIT);
    long fullAtNanos = TokenBucket.fullAtNanos(state);
    assertTrue(fullAtNanos >= T0 + termNanos, "no earlier than a term after the grant");
    assertTrue(TokenBucket.refill(state, fullAtNanos).isFull());
    assertTrue(TokenBucket.refill(state, T0 + 3 * termNanos + 2 * SECOND).isFull());
  }

  /**
   * Random leases, spending within the spendable time, and direct acquires from three nodes over
   * 20 s: every window, of every length, stays within C + R·t.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void randomLeasesAndAcquiresStayWithinEveryWindow(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long spendableNanos = LeaseTerm.spendableNanos(LIMIT);
    long[] held = new long[NODES];
    long[] grantedAt = new long[NODES];
    List<Admission> admitted = new ArrayList<>();
    BucketState state = null;
    long now = T0;
    while (now < T0 + 20 * SECOND) {
      now += random.nextLong(0, 40 * MILLI);
      int node = random.nextInt(NODES);
      if (now - grantedAt[node] >= spendableNanos) {
        held[node] = 0; // past its spendable time: what is left is dropped, not spent
      }
      switch (random.nextInt(3)) {
        case 0 -> {
          TokenBucket.Outcome grant = TokenBucket.lease(state, LIMIT,
              1 + random.nextLong(LIMIT.capacity() / 2), now);
          state = grant.state();
          if (grant.decision().granted() > 0) {
            // a node's tokens live by its oldest grant: a top-up must not stretch older ones
            grantedAt[node] = held[node] > 0 ? grantedAt[node] : now;
            held[node] += grant.decision().granted();
          }
        }
        case 1 -> {
          long spent = held[node] == 0 ? 0 : 1 + random.nextLong(held[node]);
          held[node] -= spent;
          admitted.add(new Admission(now, spent));
        }
        default -> {
          long permits = 1 + random.nextLong(10);
          TokenBucket.Outcome outcome = TokenBucket.tryAcquire(state, LIMIT, permits, now);
          state = outcome.state();
          if (outcome.decision().allowed()) {
            admitted.add(new Admission(now, permits));
          }
        }
      }
    }
    assertWithinWindows(admitted);
  }

  /** Acquires one token at a time at {@code nowNanos} until the bucket refuses: the tokens taken. */
  private static long drain(BucketState state, long nowNanos) {
    BucketState current = state;
    long taken = 0;
    TokenBucket.Outcome outcome;
    while ((outcome = TokenBucket.tryAcquire(current, LIMIT, 1, nowNanos)).decision().allowed()) {
      current = outcome.state();
      taken++;
    }
    return taken;
  }

  private static void assertWithinWindows(List<Admission> admitted) {
    admitted.sort((a, b) -> Long.compare(a.atNanos(), b.atNanos()));
    for (int from = 0; from < admitted.size(); from++) {
      long tokens = 0;
      for (int to = from; to < admitted.size(); to++) {
        tokens += admitted.get(to).tokens();
        long lengthNanos = admitted.get(to).atNanos() - admitted.get(from).atNanos();
        double bound = LIMIT.capacity() + LIMIT.refillPerSecond() * lengthNanos / 1e9;
        assertTrue(tokens <= bound + 1e-9, tokens + " tokens admitted in " + lengthNanos / 1e6
            + " ms from " + (admitted.get(from).atNanos() - T0) / 1e6 + " ms; C + R·t = " + bound);
      }
    }
  }
}
