package io.raftlimiter.bench.report;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A small streaming JSON writer, indented two spaces. It tracks only whether a comma is due;
 * callers nest begin/end calls correctly (the result file has one fixed shape). Non-finite
 * numbers, which JSON cannot carry, are written as {@code null}.
 */
public final class JsonWriter {
  private final StringBuilder out = new StringBuilder();
  private final Deque<Boolean> hasItems = new ArrayDeque<>();
  private boolean afterName;

  public JsonWriter beginObject() {
    open('{');
    return this;
  }

  public JsonWriter endObject() {
    close('}');
    return this;
  }

  public JsonWriter beginArray() {
    open('[');
    return this;
  }

  public JsonWriter endArray() {
    close(']');
    return this;
  }

  public JsonWriter name(String name) {
    separate();
    string(name);
    out.append(": ");
    afterName = true;
    return this;
  }

  public JsonWriter value(String value) {
    separate();
    if (value == null) {
      out.append("null");
    } else {
      string(value);
    }
    return this;
  }

  public JsonWriter value(long value) {
    separate();
    out.append(value);
    return this;
  }

  public JsonWriter value(double value) {
    separate();
    out.append(number(value));
    return this;
  }

  private static String number(double value) {
    if (!Double.isFinite(value)) {
      return "null";
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    // Six significant digits are plenty for measurements; drop the padding zeros.
    return new BigDecimal(String.format(Locale.ROOT, "%.6g", value)).stripTrailingZeros()
        .toPlainString();
  }

  public JsonWriter value(boolean value) {
    separate();
    out.append(value);
    return this;
  }

  /** A short array of numbers on one line, e.g. a point {@code [99.9, 12.5]} or a series. */
  public JsonWriter inlineArray(double... values) {
    separate();
    out.append('[');
    for (int i = 0; i < values.length; i++) {
      out.append(i == 0 ? "" : ", ").append(number(values[i]));
    }
    out.append(']');
    return this;
  }

  /** Writes {@code name: value} for a string, long or double. */
  public JsonWriter field(String name, Object value) {
    name(name);
    if (value instanceof Integer || value instanceof Long) {
      return value(((Number) value).longValue());
    }
    if (value instanceof Number number) {
      return value(number.doubleValue());
    }
    if (value instanceof Boolean bool) {
      return value(bool.booleanValue());
    }
    return value(value == null ? null : value.toString());
  }

  @Override
  public String toString() {
    if (!hasItems.isEmpty()) {
      throw new IllegalStateException("unclosed object or array");
    }
    return out.append('\n').toString();
  }

  private void open(char bracket) {
    separate();
    out.append(bracket);
    hasItems.push(false);
  }

  private void close(char bracket) {
    boolean any = hasItems.pop();
    if (any) {
      newline();
    }
    out.append(bracket);
  }

  private void separate() {
    if (afterName) {
      afterName = false;
      return;
    }
    if (!hasItems.isEmpty()) {
      if (hasItems.peek()) {
        out.append(',');
      }
      hasItems.pop();
      hasItems.push(true);
      newline();
    }
  }

  private void newline() {
    out.append('\n');
    out.append("  ".repeat(hasItems.size()));
  }

  private void string(String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
