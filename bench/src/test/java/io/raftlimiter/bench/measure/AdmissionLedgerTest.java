package io.raftlimiter.bench.measure;

import static io.raftlimiter.bench.measure.AdmissionLedger.Outcome.ALLOWED;
import static io.raftlimiter.bench.measure.AdmissionLedger.Outcome.FAILED;
import static io.raftlimiter.bench.measure.AdmissionLedger.Outcome.REJECTED;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdmissionLedgerTest {
  private static final long MS = 1_000_000L;
  private static final long EPOCH = 5_000 * MS;

  /** C = 10, R = 100/s: one token per 10 ms. */
  private final AdmissionLedger ledger = new AdmissionLedger(4, 10, 100.0, EPOCH);

  private void call(int key, AdmissionLedger.Outcome outcome, long sentMs, long answeredMs) {
    ledger.sent(key, 1);
    ledger.decided(key, 1, outcome, EPOCH + sentMs * MS, EPOCH + answeredMs * MS);
  }

  @Test
  void aBucketThatKeepsItsLimitIsNotOver() {
    for (int i = 0; i < 10; i++) {
      call(0, ALLOWED, 0, 1); // the full bucket
    }
    for (int i = 1; i <= 5; i++) {
      call(0, ALLOWED, i * 10, i * 10 + 1); // one refilled token each 10 ms
    }
    assertEquals(new AdmissionLedger.Summary(1, 0, 0, 0), ledger.summary());
  }

  @Test
  void admissionsBeyondCapacityPlusRefillAreCounted() {
    for (int i = 0; i < 13; i++) {
      call(1, ALLOWED, 0, 5); // 5 ms: at most 10 + 0.5 tokens, so 10
    }
    call(2, ALLOWED, 0, 1);
    AdmissionLedger.Summary summary = ledger.summary();
    assertEquals(2, summary.keysAdmitted());
    assertEquals(3, summary.overAdmittedTokens());
    assertEquals(1, summary.keysOver());
  }

  /** A burst after a quiet second: within C + R·t over the run, 5 over in its moment. */
  @Test
  void aBurstIsOverInItsWindowThoughTheRunIsWithin() {
    call(3, ALLOWED, 0, 1);
    for (int i = 0; i < 15; i++) {
      call(3, ALLOWED, 1_000, 1_001);
    }
    AdmissionLedger.Summary summary = ledger.summary();
    assertEquals(0, summary.overAdmittedTokens(), "the run: 16 within 10 + 100/s · 1 s");
    assertEquals(5, summary.windowOverAdmittedTokens());
    assertEquals(1, summary.keysWindowOver());
  }

  @Test
  void aRejectionOfAFreshBucketIsUnderAdmission() {
    call(0, REJECTED, 0, 1);
    assertEquals(1, ledger.summary().underAdmittedDecisions());
  }

  @Test
  void aRejectionOfAnEmptyBucketIsNot() {
    for (int i = 0; i < 10; i++) {
      call(0, ALLOWED, 0, 1);
    }
    call(0, REJECTED, 2, 3);
    // 9 ms after the last charge: 0.9 tokens, still short of one.
    call(0, REJECTED, 10, 11);
    assertEquals(0, ledger.summary().underAdmittedDecisions());
    // 30 ms later the ideal bucket holds 3 tokens.
    call(0, REJECTED, 31, 32);
    assertEquals(1, ledger.summary().underAdmittedDecisions());
  }

  @Test
  void requestsInFlightAndFailedCallsCountAgainstTheIdealBucket() {
    for (int i = 0; i < 9; i++) {
      call(0, ALLOWED, 0, 1);
    }
    ledger.sent(0, 1); // still out: it may have taken the last token
    call(0, REJECTED, 2, 3);
    assertEquals(0, ledger.summary().underAdmittedDecisions());
    ledger.decided(0, 1, FAILED, EPOCH + 2 * MS, EPOCH + 4 * MS);
    call(0, REJECTED, 5, 6); // the failed call may have consumed: still not counted
    assertEquals(0, ledger.summary().underAdmittedDecisions());
  }

  @Test
  void aRejectionSentBeforeALateAnswerIsReadBeforeTheRefill() {
    for (int i = 0; i < 10; i++) {
      call(3, ALLOWED, 0, 50); // answered late: charged at 50 ms
    }
    // Sent at 20 ms, before the charges: stepping back 30 ms leaves the bucket 3 below empty.
    call(3, REJECTED, 20, 60);
    assertEquals(0, ledger.summary().underAdmittedDecisions());
  }
}
