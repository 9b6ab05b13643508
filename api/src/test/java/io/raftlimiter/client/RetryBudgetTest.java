package io.raftlimiter.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private final AtomicLong now = new AtomicLong();

  @Test
  void retriesStopWhenSpentAndComeBackWithCallsAndTime() {
    RetryBudget budget = new RetryBudget(0.2, 10, now::get);
    for (int i = 0; i < 100; i++) {
      assertTrue(budget.tryRetry(), "ten seconds of trickle to start with: retry " + i);
    }
    assertFalse(budget.tryRetry(), "spent");
    for (int i = 0; i < 4; i++) {
      budget.called();
    }
    assertFalse(budget.tryRetry(), "4 calls earn 0.8 of a retry");
    budget.called();
    assertTrue(budget.tryRetry(), "the fifth earns the rest");
    assertFalse(budget.tryRetry());
    now.addAndGet(500_000_000L);
    for (int i = 0; i < 5; i++) {
      assertTrue(budget.tryRetry(), "half a second at 10/s: retry " + i);
    }
    assertFalse(budget.tryRetry());
  }

  @Test
  void aLongQuietSpellSavesUpNoMoreThanTheCap() {
    RetryBudget budget = new RetryBudget(0.2, 10, now::get);
    now.addAndGet(3_600_000_000_000L);
    for (int i = 0; i < 100_000; i++) {
      budget.called();
    }
    int retries = 0;
    while (budget.tryRetry()) {
      retries++;
    }
    assertTrue(retries == 100, "at most ten seconds of trickle: " + retries);
  }

  @Test
  void aZeroBudgetAllowsNoRetry() {
    RetryBudget budget = new RetryBudget(0, 0, now::get);
    assertFalse(budget.tryRetry());
    budget.called();
    now.addAndGet(10_000_000_000L);
    assertFalse(budget.tryRetry());
  }
}
