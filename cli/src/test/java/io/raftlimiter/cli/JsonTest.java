package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code rlctl cluster status -o json}: valid JSON whatever the names hold. */
class JsonTest {
  @Test
  void statusesAreValidJsonWithEveryNodeAndOnlyTheAnswersGiven() {
    ClusterTarget.Known cluster = new ClusterTarget.Known(List.of(
        new ClusterTarget.Node("n1", "127.0.0.1:7101", 42L),
        new ClusterTarget.Node("odd \"n2\"\t", "host:7103", null)), 3);
    String json = Json.statuses(cluster,
        Map.of("n1", NodeStatus.newBuilder().setNodeId("n1").setLimitRules(2).build()));
    for (char c : json.toCharArray()) {
      assertTrue(c >= 0x20, "a raw control character in " + json);
    }
    JsonObject parsed = JsonParser.parseString(json).getAsJsonObject();
    assertEquals(3, parsed.get("groups").getAsInt());
    JsonArray nodes = parsed.getAsJsonArray("nodes");
    JsonObject n1 = nodes.get(0).getAsJsonObject();
    assertEquals(42, n1.get("pid").getAsLong());
    assertTrue(n1.get("up").getAsBoolean());
    assertEquals(2, n1.getAsJsonObject("status").get("limitRules").getAsInt());
    JsonObject n2 = nodes.get(1).getAsJsonObject();
    assertEquals("odd \"n2\"\t", n2.get("id").getAsString());
    assertTrue(n2.get("pid").isJsonNull());
    assertFalse(n2.get("up").getAsBoolean());
    assertFalse(n2.has("status"));
  }
}
