package io.raftlimiter.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class JsonWriterTest {
  @Test
  void writesNestedValuesIndented() {
    String json = new JsonWriter().beginObject()
        .field("name", "a \"quoted\"\\ line\n").field("count", 3).field("ratio", 0.25).field("small", 1.5e-7)
        .field("nan", Double.NaN).field("none", null).field("ok", true)
        .name("list").beginArray().value(1).beginArray().endArray().inlineArray(99.9, 2).endArray()
        .name("empty").beginObject().endObject()
        .endObject().toString();
    assertEquals("""
        {
          "name": "a \\"quoted\\"\\\\ line\\n",
          "count": 3,
          "ratio": 0.25,
          "small": 0.00000015,
          "nan": null,
          "none": null,
          "ok": true,
          "list": [
            1,
            [],
            [99.9, 2]
          ],
          "empty": {}
        }
        """, json);
  }

  @Test
  void controlCharactersAreEscaped() {
    assertEquals("[\n  \"\\u0001\"\n]\n",
        new JsonWriter().beginArray().value("\u0001").endArray().toString());
  }

  @Test
  void anUnclosedDocumentIsRefused() {
    JsonWriter writer = new JsonWriter().beginObject();
    assertThrows(IllegalStateException.class, writer::toString);
  }
}
