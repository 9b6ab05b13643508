package io.raftlimiter.bench.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class WarmupCurveTest {
  @Test
  void theFirstWindowAtTheFractionCountsAtItsEnd() {
    WarmupCurve curve = new WarmupCurve();
    curve.add("STRONG plain", 20, 500);
    curve.add("STRONG java", 25, 2_000);
    curve.add("STRONG plain", 35, 9_100);
    curve.add("STRONG plain", 50, 8_000); // a dip later does not undo having reached it
    curve.add("STRONG java", 40, 9_500);
    assertEquals(OptionalDouble.of(35), curve.reached("STRONG plain", 0.9, 10_000));
    assertEquals(OptionalDouble.of(40), curve.reached("STRONG java", 0.9, 10_000));
    assertEquals(3, curve.windows("STRONG plain").size());
  }

  @Test
  void neverReachedOrUnknownIsEmpty() {
    WarmupCurve curve = new WarmupCurve();
    curve.add("ping", 5, 100);
    assertTrue(curve.reached("ping", 0.9, 1_000).isEmpty());
    assertTrue(curve.reached("other", 0.9, 1_000).isEmpty());
    assertTrue(curve.reached("ping", 0.9, 0).isEmpty());
    assertTrue(curve.reached("ping", 0.9, Double.NaN).isEmpty());
  }
}
