package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The JSON the HTTP front end writes by hand is valid JSON whatever a message holds. */
class JsonRepliesTest {
  @Test
  void anErrorMessageWithControlCharactersStaysValidJson() {
    String message = "key\tis \"bad\"\r\nat \\ line 2 \u0001 \u2028 end";
    String json = HttpJsonApi.error(Status.Code.INVALID_ARGUMENT, message);
    // JSON forbids raw control characters in strings (RFC 8259, section 7); Gson's parser
    // would accept them, so they are looked for first
    assertEquals(-1, firstControlCharacter(json), json);
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    assertEquals("INVALID_ARGUMENT", parsed.get("code").getAsString());
    assertEquals(message, parsed.get("message").getAsString());
  }

  /** The index of the first character below U+0020, or -1. */
  static int firstControlCharacter(String json) {
    for (int i = 0; i < json.length(); i++) {
      if (json.charAt(i) < 0x20) {
        return i;
      }
    }
    return -1;
  }
}
