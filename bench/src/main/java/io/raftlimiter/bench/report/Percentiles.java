package io.raftlimiter.bench.report;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/** Latency percentiles out of an HdrHistogram of microseconds. */
public final class Percentiles {
  /** The percentiles of the tables. */
  public static final double[] REPORTED = {50, 90, 99, 99.9};

  /** A point of a percentile curve. */
  public record Point(double percentile, double millis) {}

  private Percentiles() {}

  public static double millis(Histogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? Double.NaN
        : histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  /**
   * The curve drawn in the report: percentiles evenly spaced in "nines" (0, 90, 99, 99.9, ...
   * are equally far apart), up to the number of nines the sample count supports.
   */
  public static List<Point> curve(Histogram histogram) {
    List<Point> points = new ArrayList<>();
    long count = histogram.getTotalCount();
    if (count == 0) {
      return points;
    }
    double maxNines = Math.min(6, Math.log10(count));
    for (double nines = 0; nines <= maxNines + 1e-9; nines += 0.05) {
      double percentile = 100 * (1 - Math.pow(10, -nines));
      points.add(new Point(percentile, histogram.getValueAtPercentile(percentile) / 1000.0));
    }
    points.add(new Point(100, histogram.getMaxValue() / 1000.0));
    return points;
  }

  /** The x position of a percentile on the "nines" axis: 90% is 1, 99% is 2, 100% is capped. */
  public static double nines(double percentile, double cap) {
    return percentile >= 100 ? cap : Math.min(cap, -Math.log10(1 - percentile / 100));
  }
}
