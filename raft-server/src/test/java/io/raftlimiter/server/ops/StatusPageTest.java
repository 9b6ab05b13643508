package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StatusPageTest {
  private static final NodeStatus STATUS = NodeStatus.newBuilder().setNodeId("n1")
      .setBuildVersion("1.2.3").setBuildCommit("abcdef").setMetadataVersion(40)
      .addAllMembers(List.of("n1", "n2", "n3")).addDeadNodes("n3").addLeaving("n2")
      .putMemberClientAddresses("n1", "127.0.0.1:7001")
      .putMemberClientAddresses("n2", "127.0.0.1:7002")
      .putMemberClientAddresses("n3", "127.0.0.1:7003")
      .addGroups(GroupStatus.newBuilder().setIndex(1).setRole("FOLLOWER").setTerm(4)
          .addAllPeerIds(List.of("n1", "n2")).setQueuedOps(7))
      .build();

  private static JsonObject data() {
    TreeMap<Integer, List<String>> recorded = new TreeMap<>();
    recorded.put(0, List.of("n2", "n3"));
    recorded.put(1, List.of("stale", "record"));
    AuditLog audit = new AuditLog(java.time.Clock.systemUTC());
    audit.record("admin token from /127.0.0.1:9", "bucket.reset", "\"<img src=x>\"", "", "full",
        "ok");
    StatusPage.Snapshot snapshot = new StatusPage.Snapshot(Instant.ofEpochMilli(1_000), STATUS,
        ClusterView.newBuilder().setGroups(3)
            .addAllLeaderAddresses(List.of("127.0.0.1:7002", "127.0.0.1:7001", "")).build(),
        recorded, List.of(new StatusPage.ModeCounts("strong", 5, 2)), 3, 1, audit.recent());
    return JsonParser.parseString(StatusPage.json(snapshot)).getAsJsonObject();
  }

  @Test
  void groupsNameTheirLeadersByNodeAndTheirReplicasAsBestKnown() {
    JsonArray groups = data().getAsJsonArray("groups");
    assertEquals(3, groups.size());
    JsonObject zero = groups.get(0).getAsJsonObject();
    assertEquals("n2", zero.get("leader").getAsString());
    assertEquals("[\"n2\",\"n3\"]", zero.get("replicas").toString(), "recorded: not hosted here");
    assertEquals("", zero.get("roleHere").getAsString());
    JsonObject one = groups.get(1).getAsJsonObject();
    assertEquals("n1", one.get("leader").getAsString());
    assertEquals("[\"n1\",\"n2\"]", one.get("replicas").toString(),
        "hosted here: this replica's configuration, not an older record");
    assertEquals("FOLLOWER", one.get("roleHere").getAsString());
    assertEquals(7, one.get("queuedOpsHere").getAsLong());
    assertEquals("", groups.get(2).getAsJsonObject().get("leader").getAsString());
    assertEquals("[]", groups.get(2).getAsJsonObject().get("replicas").toString());
  }

  @Test
  void membersDecisionsAndChangesAreThere() {
    JsonObject data = data();
    assertEquals(1_000, data.get("timeMillis").getAsLong());
    assertEquals("1.2.3", data.getAsJsonObject("node").get("version").getAsString());
    JsonArray members = data.getAsJsonArray("members");
    assertEquals("127.0.0.1:7002", members.get(1).getAsJsonObject().get("clientAddress")
        .getAsString());
    assertTrue(members.get(1).getAsJsonObject().get("leaving").getAsBoolean());
    assertTrue(members.get(2).getAsJsonObject().get("dead").getAsBoolean());
    assertFalse(members.get(0).getAsJsonObject().get("dead").getAsBoolean());
    assertEquals(2, data.getAsJsonObject("decisions").getAsJsonObject("strong")
        .get("rejected").getAsLong());
    assertEquals(3, data.get("shed").getAsLong());
    assertEquals("\"<img src=x>\"", data.getAsJsonArray("changes").get(0).getAsJsonObject()
        .get("target").getAsString(), "data stays data: the page sets it as text");
  }

  @Test
  void thePageIsSelfContainedAndOnlyItsOwnScriptMayRun() throws Exception {
    StatusPage page = StatusPage.load();
    String html = new String(page.html(), StandardCharsets.UTF_8);
    assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find(),
        "nothing is fetched from elsewhere");
    assertFalse(html.contains("innerHTML"), "values are drawn as text, never as markup");
    Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(html);
    assertTrue(script.find());
    String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
        .digest(script.group(1).getBytes(StandardCharsets.UTF_8)));
    assertTrue(page.contentSecurityPolicy().contains("script-src 'sha256-" + hash + "'"),
        page.contentSecurityPolicy());
    assertTrue(page.contentSecurityPolicy().startsWith("default-src 'none'"));
    assertTrue(html.contains("fetch(\"/ui/data\""), "the page reads its data from this node");
  }
}
