package io.raftlimiter.bench.report;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * The result file's writer: Gson's streaming writer, indented two spaces, behind the few calls
 * the file needs. Gson escapes what JSON requires; non-finite numbers, which JSON cannot carry,
 * are written as {@code null}, as is a null value.
 */
public final class JsonWriter {
  private final StringWriter out = new StringWriter();
  private final com.google.gson.stream.JsonWriter json = new com.google.gson.stream.JsonWriter(out);
  private String written;

  public JsonWriter() {
    json.setIndent("  ");
    json.setSerializeNulls(true);
  }

  /** A step of the writer; a misuse (a value where a name is due) is an IllegalStateException. */
  private interface Step {
    void run() throws IOException;
  }

  private JsonWriter step(Step step) {
    try {
      step.run();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
  }

  public JsonWriter beginObject() {
    return step(json::beginObject);
  }

  public JsonWriter endObject() {
    return step(json::endObject);
  }

  public JsonWriter beginArray() {
    return step(json::beginArray);
  }

  public JsonWriter endArray() {
    return step(json::endArray);
  }

  public JsonWriter name(String name) {
    return step(() -> json.name(name));
  }

  public JsonWriter value(String value) {
    return step(() -> json.value(value));
  }

  public JsonWriter value(long value) {
    return step(() -> json.value(value));
  }

  public JsonWriter value(double value) {
    return step(() -> {
      if (Double.isFinite(value)) {
        json.value(value);
      } else {
        json.nullValue();
      }
    });
  }

  public JsonWriter value(boolean value) {
    return step(() -> json.value(value));
  }

  /** An array of numbers (percentiles and the like). */
  public JsonWriter inlineArray(double... values) {
    beginArray();
    for (double value : values) {
      value(value);
    }
    return endArray();
  }

  /** Writes {@code name: value} for a string, integer, floating-point number, boolean or null. */
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

  /** The document, once every object and array is closed. */
  @Override
  public String toString() {
    if (written == null) {
      try {
        json.close(); // refuses an unclosed document
      } catch (IOException e) {
        throw new IllegalStateException("unclosed object or array: " + e.getMessage(), e);
      }
      written = out + "\n";
    }
    return written;
  }
}
