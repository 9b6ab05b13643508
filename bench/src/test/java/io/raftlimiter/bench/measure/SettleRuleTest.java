package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SettleRuleTest {
  /** 5 s windows, at least 20 s, at most 180 s, 5%. */
  private final SettleRule rule = new SettleRule(5, 20, 180, 0.05);

  @Test
  void settlesWhenEveryTargetRepeatsItsRateAfterTheMinimum() {
    double[] before = {10_000, 40_000};
    double[] now = {10_400, 38_500}; // +4%, -3.75%
    assertEquals(SettleRule.Verdict.SETTLED, rule.judge(20, before, now));
  }

  @Test
  void goesOnBeforeTheMinimumEvenWhenSteady() {
    double[] rates = {10_000, 40_000};
    assertEquals(SettleRule.Verdict.GO_ON, rule.judge(10, rates, rates));
  }

  @Test
  void goesOnAfterTheFirstRoundAndWhileOneTargetStillClimbs() {
    assertEquals(SettleRule.Verdict.GO_ON, rule.judge(30, null, new double[] {10_000}));
    assertEquals(SettleRule.Verdict.GO_ON,
        rule.judge(30, new double[] {10_000, 30_000}, new double[] {10_100, 33_000})); // +10%
    // the change is measured against the larger rate, so a fall counts as much as a rise
    assertEquals(SettleRule.Verdict.GO_ON,
        rule.judge(30, new double[] {10_600}, new double[] {10_000}));
  }

  @Test
  void givesUpRatherThanRunPastTheMaximum() {
    double[] before = {10_000, 30_000};
    double[] climbing = {12_000, 36_000};
    // two targets: a round is 10 s; 170 + 10 stays within 180, 171 + 10 would not
    assertEquals(SettleRule.Verdict.GO_ON, rule.judge(170, before, climbing));
    assertEquals(SettleRule.Verdict.GAVE_UP, rule.judge(171, before, climbing));
    // settling wins over the maximum in the same round
    assertEquals(SettleRule.Verdict.SETTLED, rule.judge(179, before, before));
  }

  @Test
  void twoIdleRoundsAreSettled() {
    assertEquals(SettleRule.Verdict.SETTLED, rule.judge(25, new double[] {0}, new double[] {0}));
  }

  @Test
  void rejectsNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new SettleRule(0, 20, 180, 0.05));
    assertThrows(IllegalArgumentException.class, () -> new SettleRule(5, 20, 180, 0));
    assertThrows(IllegalArgumentException.class,
        () -> rule.judge(30, new double[] {1}, new double[] {1, 2}));
  }
}
