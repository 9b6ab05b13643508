package io.raftlimiter.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {
  private static Document parse(String svg) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void linesAreWellFormedSvgWithOnePolylinePerSeries() throws Exception {
    SvgChart.Series a = new SvgChart.Series("STRONG <3 nodes>", new double[] {0, 1, 2},
        new double[] {1, 2, Double.NaN});
    SvgChart.Series b = new SvgChart.Series("redis & co", new double[] {0, 2},
        new double[] {5, 50});
    String svg = SvgChart.lines("latency", SvgChart.Axis.linear("x", 2),
        SvgChart.Axis.log("ms", 1, 50), List.of(a, b), List.of(new SvgChart.Marker(1, "kill")));
    Document doc = parse(svg);
    assertEquals(2, doc.getElementsByTagName("polyline").getLength());
    assertTrue(svg.contains("STRONG &lt;3 nodes&gt;"));
  }

  @Test
  void barsAreWellFormedAndLabelled() throws Exception {
    String svg = SvgChart.bars("throughput", "decisions/s", List.of("STRONG", "redis"),
        new double[] {12_000, Double.NaN});
    assertEquals(2, parse(svg).getElementsByTagName("rect").getLength() - 1); // minus the frame
    assertTrue(svg.contains("12,000"));
    assertTrue(svg.contains("n/a"));
  }

  @Test
  void axesHaveRoundTicks() {
    assertEquals(2.0, SvgChart.niceStep(1.7));
    assertEquals(50.0, SvgChart.niceStep(33));
    SvgChart.Axis linear = SvgChart.Axis.linear("y", 43_000);
    assertEquals(50_000, linear.max());
    SvgChart.Axis log = SvgChart.Axis.log("ms", 0.3, 250);
    assertEquals(0.1, log.min(), 1e-12);
    assertEquals(1000, log.max(), 1e-9);
    assertEquals(5, log.ticks().size());
  }

  @Test
  void percentileCurveIsMonotoneAndEndsAtTheMaximum() {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= 10_000; i++) {
      h.recordValue(i);
    }
    List<Percentiles.Point> curve = Percentiles.curve(h);
    for (int i = 1; i < curve.size(); i++) {
      assertTrue(curve.get(i).millis() >= curve.get(i - 1).millis());
    }
    assertEquals(100, curve.get(curve.size() - 1).percentile());
    assertEquals(10.0, curve.get(curve.size() - 1).millis(), 0.01);
    assertEquals(2.0, Percentiles.nines(99, 5), 1e-9);
    assertEquals(5.0, Percentiles.nines(100, 5));
  }
}
