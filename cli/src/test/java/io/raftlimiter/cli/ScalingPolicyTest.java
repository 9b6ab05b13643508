package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftlimiter.cli.ScalingPolicy.Action;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScalingPolicyTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Feeds one sample a second at {@code perNode} decisions/s per node; the last answer. */
  private static Action feed(ScalingPolicy policy, long[] clock, long[] total, int nodes,
      double perNode, int seconds) {
    Action last = Action.NONE;
    for (int i = 0; i < seconds; i++) {
      clock[0] += SECOND;
      total[0] += (long) (perNode * nodes);
      last = policy.observe(clock[0], total[0], nodes);
      if (last != Action.NONE) {
        return last;
      }
    }
    return last;
  }

  @Test
  void addsAfterAWholeWindowAboveHighAndNotBefore() {
    ScalingPolicy policy = new ScalingPolicy(1000, 100, 10 * SECOND, 3, 5);
    long[] clock = {0};
    long[] total = {0};
    policy.observe(0, 0, 3);
    assertEquals(Action.NONE, feed(policy, clock, total, 3, 2000, 9), "9 s of a 10 s window");
    assertEquals(Action.ADD, feed(policy, clock, total, 3, 2000, 1));
  }

  @Test
  void oneLullInTheWindowPreventsAChange() {
    ScalingPolicy policy = new ScalingPolicy(1000, 100, 10 * SECOND, 3, 5);
    long[] clock = {0};
    long[] total = {0};
    policy.observe(0, 0, 3);
    feed(policy, clock, total, 3, 2000, 5);
    feed(policy, clock, total, 3, 500, 1); // one second between the thresholds
    assertEquals(Action.NONE, feed(policy, clock, total, 3, 2000, 9));
    assertEquals(Action.ADD, feed(policy, clock, total, 3, 2000, 1), "a whole window again");
  }

  @Test
  void drainsBelowLowButNeverBelowTheMinimumNorAboveTheMaximum() {
    ScalingPolicy policy = new ScalingPolicy(1000, 100, 5 * SECOND, 3, 4);
    long[] clock = {0};
    long[] total = {0};
    policy.observe(0, 0, 4);
    assertEquals(Action.DRAIN, feed(policy, clock, total, 4, 10, 6));
    policy.observe(clock[0], total[0], 3);
    assertEquals(Action.NONE, feed(policy, clock, total, 3, 10, 20), "at the minimum");
    policy.observe(clock[0], total[0], 4);
    assertEquals(Action.NONE, feed(policy, clock, total, 4, 5000, 20), "at the maximum");
  }

  @Test
  void aChangeInTheNodeCountStartsTheWindowAfresh() {
    ScalingPolicy policy = new ScalingPolicy(1000, 100, 5 * SECOND, 3, 6);
    long[] clock = {0};
    long[] total = {0};
    policy.observe(0, 0, 3);
    feed(policy, clock, total, 3, 2000, 4);
    policy.observe(clock[0] + 1, total[0], 4);
    clock[0] += 1;
    assertEquals(Action.NONE, feed(policy, clock, total, 4, 2000, 4));
    assertEquals(Action.ADD, feed(policy, clock, total, 4, 2000, 1));
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> new ScalingPolicy(100, 100, SECOND, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> new ScalingPolicy(100, 10, SECOND, 3, 2));
    assertThrows(IllegalArgumentException.class, () -> new ScalingPolicy(100, 10, 0, 1, 2));
  }
}
