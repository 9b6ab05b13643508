package io.raftlimiter.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class JsonWriterTest {
  @Test
  void writesNestedValuesThatParseBack() {
    String json = new JsonWriter().beginObject()
        .field("name", "a \"quoted\"\\ line\n\ttab\r").field("count", 3).field("ratio", 0.25)
        .field("small", 1.5e-7).field("nan", Double.NaN).field("none", null).field("ok", true)
        .name("list").beginArray().value(1).beginArray().endArray().inlineArray(99.9, 2).endArray()
        .name("empty").beginObject().endObject()
        .endObject().toString();
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    assertEquals("a \"quoted\"\\ line\n\ttab\r", parsed.get("name").getAsString());
    assertEquals(3, parsed.get("count").getAsLong());
    assertEquals(0.25, parsed.get("ratio").getAsDouble());
    assertEquals(1.5e-7, parsed.get("small").getAsDouble());
    assertTrue(parsed.get("nan").isJsonNull(), "JSON has no NaN");
    assertTrue(parsed.get("none").isJsonNull());
    assertTrue(parsed.get("ok").getAsBoolean());
    JsonArray list = parsed.getAsJsonArray("list");
    assertEquals(3, list.size());
    assertEquals(99.9, list.get(2).getAsJsonArray().get(0).getAsDouble());
    assertEquals(0, parsed.getAsJsonObject("empty").size());
    assertTrue(json.startsWith("{\n  \"name\""), "indented two spaces: " + json);
  }

  /** JSON forbids raw control characters in strings (RFC 8259, section 7). */
  @Test
  void controlCharactersAreEscaped() {
    String json = new JsonWriter().beginArray().value("\u0001\t").endArray().toString();
    for (char c : json.toCharArray()) {
      assertTrue(c >= 0x20 || c == '\n', "a raw control character in " + json);
    }
    assertEquals("\u0001\t", JsonParser.parseString(json).getAsJsonArray().get(0).getAsString());
  }

  @Test
  void anUnclosedDocumentIsRefused() {
    JsonWriter writer = new JsonWriter().beginObject();
    assertThrows(IllegalStateException.class, writer::toString);
  }
}
