package io.raftlimiter.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line and bar charts as inline SVG strings, so the HTML report needs no script and no network.
 * Pure: data in, markup out.
 */
public final class SvgChart {
  static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  private static final int WIDTH = 760;
  private static final int HEIGHT = 340;
  private static final int LEFT = 70;
  private static final int RIGHT = 180; // legend
  private static final int TOP = 30;
  private static final int BOTTOM = 50;

  /** A line: points (x[i], y[i]). */
  public record Series(String name, double[] x, double[] y) {}

  public record Tick(double value, String label) {}

  /** A vertical marker line, e.g. when a node was stopped. */
  public record Marker(double x, String label) {}

  /** An axis from {@code min} to {@code max}, linear or log10, with labelled ticks. */
  public record Axis(String label, double min, double max, boolean log, List<Tick> ticks) {
    double fraction(double value) {
      if (log) {
        double v = Math.log10(Math.max(value, min));
        return (v - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
      }
      return max == min ? 0 : (value - min) / (max - min);
    }

    /** 0 to a round number at or above {@code maxValue}, five or so ticks. */
    public static Axis linear(String label, double maxValue) {
      double top = maxValue > 0 && Double.isFinite(maxValue) ? maxValue : 1;
      double step = niceStep(top / 5);
      double max = Math.ceil(top / step) * step;
      List<Tick> ticks = new ArrayList<>();
      for (double v = 0; v <= max + step / 2; v += step) {
        ticks.add(new Tick(v, number(v)));
      }
      return new Axis(label, 0, max, false, ticks);
    }

    /** Whole decades around {@code [minValue, maxValue]}, a tick per decade. */
    public static Axis log(String label, double minValue, double maxValue) {
      double low = Math.pow(10, Math.floor(Math.log10(Math.max(minValue, 1e-9))));
      double high = Math.pow(10, Math.ceil(Math.log10(Math.max(maxValue, low * 10))));
      if (high <= low) {
        high = low * 10;
      }
      List<Tick> ticks = new ArrayList<>();
      for (double v = low; v <= high * 1.001; v *= 10) {
        ticks.add(new Tick(v, number(v)));
      }
      return new Axis(label, low, high, true, ticks);
    }
  }

  private SvgChart() {}

  static double niceStep(double rough) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
    double residual = rough / magnitude;
    double nice = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 5 ? 5 : 10;
    return nice * magnitude;
  }

  static String number(double value) {
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) value);
    }
    return String.format(Locale.ROOT, "%.3g", value);
  }

  public static String lines(String title, Axis x, Axis y, List<Series> series,
      List<Marker> markers) {
    StringBuilder svg = frame(title, x, y);
    for (int m = 0; m < markers.size(); m++) {
      Marker marker = markers.get(m);
      double px = px(x, marker.x());
      svg.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
          + "stroke='#555' stroke-dasharray='4 3'/>", px, TOP, px, HEIGHT - BOTTOM));
      svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' fill='#555'>"
          + "%s</text>", px + 3, TOP + 12 + 14 * m, escape(marker.label())));
    }
    for (int s = 0; s < series.size(); s++) {
      Series line = series.get(s);
      String color = COLORS[s % COLORS.length];
      StringBuilder points = new StringBuilder();
      for (int i = 0; i < line.x().length; i++) {
        if (!Double.isFinite(line.y()[i])) {
          continue;
        }
        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x, line.x()[i]),
            py(y, line.y()[i])));
      }
      svg.append("<polyline fill='none' stroke-width='1.8' stroke='").append(color)
          .append("' points='").append(points.toString().trim()).append("'/>");
      legend(svg, s, color, line.name());
    }
    return svg.append("</svg>").toString();
  }

  /** One bar per label; labels under the bars, values above them. */
  public static String bars(String title, String unit, List<String> labels, double[] values) {
    double max = 0;
    for (double v : values) {
      if (Double.isFinite(v)) {
        max = Math.max(max, v);
      }
    }
    Axis y = Axis.linear(unit, Math.max(max, 5)); // whole-number ticks for small counts
    Axis x = new Axis("", 0, Math.max(1, labels.size()), false, List.of());
    StringBuilder svg = frame(title, x, y);
    double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, labels.size());
    for (int i = 0; i < labels.size(); i++) {
      double left = LEFT + i * slot + slot * 0.15;
      double value = Double.isFinite(values[i]) ? values[i] : 0;
      double top = py(y, value);
      String color = COLORS[i % COLORS.length];
      svg.append(String.format(Locale.ROOT, "<rect x='%.1f' y='%.1f' width='%.1f' height='%.1f' "
          + "fill='%s'/>", left, top, slot * 0.7, HEIGHT - BOTTOM - top, color));
      svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%.1f' font-size='11' "
          + "text-anchor='middle'>%s</text>", left + slot * 0.35, top - 4,
          Double.isFinite(values[i]) ? number(Math.round(values[i] * 100) / 100.0) : "n/a"));
      svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' "
          + "text-anchor='middle'>%s</text>", left + slot * 0.35, HEIGHT - BOTTOM + 16,
          escape(labels.get(i))));
    }
    return svg.append("</svg>").toString();
  }

  private static StringBuilder frame(String title, Axis x, Axis y) {
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' "
        + "height='%d' viewBox='0 0 %d %d' font-family='sans-serif'>", WIDTH, HEIGHT, WIDTH,
        HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x='%d' y='18' font-size='14' "
        + "font-weight='bold'>%s</text>", LEFT, escape(title)));
    svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='%d' height='%d' "
        + "fill='none' stroke='#999'/>", LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
    for (Tick tick : y.ticks()) {
      double py = py(y, tick.value());
      svg.append(String.format(Locale.ROOT, "<line x1='%d' y1='%.1f' x2='%d' y2='%.1f' "
          + "stroke='#eee'/>", LEFT, py, WIDTH - RIGHT, py));
      svg.append(String.format(Locale.ROOT, "<text x='%d' y='%.1f' font-size='11' "
          + "text-anchor='end'>%s</text>", LEFT - 4, py + 4, escape(tick.label())));
    }
    for (Tick tick : x.ticks()) {
      double px = px(x, tick.value());
      svg.append(String.format(Locale.ROOT, "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' "
          + "stroke='#eee'/>", px, TOP, px, HEIGHT - BOTTOM));
      svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' font-size='11' "
          + "text-anchor='middle'>%s</text>", px, HEIGHT - BOTTOM + 16, escape(tick.label())));
    }
    svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12' "
        + "text-anchor='middle'>%s</text>", LEFT + (WIDTH - LEFT - RIGHT) / 2, HEIGHT - 10,
        escape(x.label())));
    svg.append(String.format(Locale.ROOT, "<text x='14' y='%d' font-size='12' "
        + "text-anchor='middle' transform='rotate(-90 14 %d)'>%s</text>",
        TOP + (HEIGHT - TOP - BOTTOM) / 2, TOP + (HEIGHT - TOP - BOTTOM) / 2, escape(y.label())));
    return svg;
  }

  private static void legend(StringBuilder svg, int index, String color, String name) {
    int ly = TOP + 10 + index * 18;
    int lx = WIDTH - RIGHT + 12;
    svg.append(String.format(Locale.ROOT, "<rect x='%d' y='%d' width='14' height='4' "
        + "fill='%s'/>", lx, ly - 4, color));
    svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='12'>%s</text>",
        lx + 20, ly + 1, escape(name)));
  }

  private static double px(Axis x, double value) {
    return LEFT + x.fraction(value) * (WIDTH - LEFT - RIGHT);
  }

  private static double py(Axis y, double value) {
    double f = Math.max(0, Math.min(1, y.fraction(value)));
    return HEIGHT - BOTTOM - f * (HEIGHT - TOP - BOTTOM);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("'", "&#39;").replace("\"", "&quot;");
  }
}
