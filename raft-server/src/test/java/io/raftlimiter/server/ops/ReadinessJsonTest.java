package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadinessJsonTest {
  /** A reason may quote a Ratis message, tabs and line breaks included: still valid JSON. */
  @Test
  void reasonsWithControlCharactersStayValidJson() {
    String reason = "group 0: \"no leader\"\tsince\r\n3 s \\ \u0007";
    String json = OpsHttpServer.json(new Readiness(false, List.of(reason, "metadata")));
    for (char c : json.substring(0, json.length() - 1).toCharArray()) {
      assertFalse(c < 0x20, "a raw control character in " + json);
    }
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    assertFalse(parsed.get("ready").getAsBoolean());
    assertEquals(reason, parsed.getAsJsonArray("reasons").get(0).getAsString());
    assertEquals("{\"ready\":true,\"reasons\":[]}\n",
        OpsHttpServer.json(new Readiness(true, List.of())));
  }
}
