package io.raftlimiter.server.ops;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftlimiter.api.admin.v1.ClusterView;
import io.raftlimiter.api.admin.v1.GroupStatus;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status page a node serves at {@code /ui} on its HTTP port: one self-contained HTML file
 * (its script and styles inline, nothing fetched from elsewhere) that reads {@code /ui/data}
 * every two seconds and draws the cluster as this node sees it. This class holds the page and
 * turns what the node knows into that data; the listener serves both.
 */
public final class StatusPage {
  private static final String RESOURCE = "/raftlimiter/status.html";
  private static final Pattern SCRIPT = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL);

  /** The decisions this node answered in one mode, since it started. */
  public record ModeCounts(String mode, long allowed, long rejected) {}

  /** What the page shows, read from the node at one moment. */
  public record Snapshot(Instant time, NodeStatus status, ClusterView view,
      SortedMap<Integer, List<String>> recordedReplicas, List<ModeCounts> decisions, long shed,
      long shadowRefused, List<AuditLog.Entry> changes) {}

  private final byte[] html;
  private final String contentSecurityPolicy;

  private StatusPage(String html) {
    this.html = html.getBytes(StandardCharsets.UTF_8);
    Matcher script = SCRIPT.matcher(html);
    if (!script.find()) {
      throw new IllegalStateException(RESOURCE + " holds no inline script");
    }
    // Only the page's own script runs, and it may only read this listener: an injected script
    // (were a key or a caller name ever drawn as markup) would not run.
    this.contentSecurityPolicy = "default-src 'none'; script-src 'sha256-"
        + sha256(script.group(1)) + "'; style-src 'unsafe-inline'; connect-src 'self'; "
        + "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  }

  /** The page as the build packed it. */
  public static StatusPage load() {
    try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the build");
      }
      return new StatusPage(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public byte[] html() {
    return html.clone();
  }

  /** The {@code Content-Security-Policy} the page is served with. */
  public String contentSecurityPolicy() {
    return contentSecurityPolicy;
  }

  /** The page's data: {@code /ui/data}. */
  public static String json(Snapshot snapshot) {
    NodeStatus status = snapshot.status();
    JsonObject out = new JsonObject();
    out.addProperty("timeMillis", snapshot.time().toEpochMilli());
    JsonObject node = new JsonObject();
    node.addProperty("id", status.getNodeId());
    node.addProperty("version", status.getBuildVersion());
    node.addProperty("commit", status.getBuildCommit());
    node.addProperty("uptimeMillis", status.getUptimeMillis());
    node.addProperty("metadataVersion", status.getMetadataVersion());
    node.addProperty("metadataLeader", status.getMetadataLeader());
    node.addProperty("problem", status.getMetadataProblem());
    node.addProperty("limitRules", status.getLimitRules());
    node.addProperty("eventualOwedHits", status.getEventualOwedHits());
    node.addProperty("leasedTokens", status.getLeasedTokens());
    out.add("node", node);

    JsonArray members = new JsonArray();
    for (String id : status.getMembersList()) {
      JsonObject member = new JsonObject();
      member.addProperty("id", id);
      member.addProperty("clientAddress", status.getMemberClientAddressesOrDefault(id, ""));
      member.addProperty("dead", status.getDeadNodesList().contains(id));
      member.addProperty("leaving", status.getLeavingList().contains(id));
      members.add(member);
    }
    out.add("members", members);

    Map<String, String> idByAddress = new HashMap<>();
    status.getMemberClientAddressesMap().forEach((id, address) -> idByAddress.put(address, id));
    Map<Integer, GroupStatus> hosted = new HashMap<>();
    status.getGroupsList().forEach(group -> hosted.put(group.getIndex(), group));
    JsonArray groups = new JsonArray();
    for (int index = 0; index < snapshot.view().getGroups(); index++) {
      JsonObject group = new JsonObject();
      group.addProperty("index", index);
      String leaderAddress = index < snapshot.view().getLeaderAddressesCount()
          ? snapshot.view().getLeaderAddresses(index) : "";
      group.addProperty("leader", idByAddress.getOrDefault(leaderAddress, leaderAddress));
      GroupStatus here = hosted.get(index);
      List<String> replicas = here != null ? here.getPeerIdsList()
          : snapshot.recordedReplicas().getOrDefault(index, List.of());
      JsonArray peers = new JsonArray();
      replicas.forEach(peers::add);
      group.add("replicas", peers);
      group.addProperty("term", here != null ? here.getTerm() : 0);
      group.addProperty("roleHere", here != null ? here.getRole() : "");
      group.addProperty("queuedOpsHere", here != null ? here.getQueuedOps() : 0);
      groups.add(group);
    }
    out.add("groups", groups);

    JsonObject decisions = new JsonObject();
    for (ModeCounts counts : snapshot.decisions()) {
      JsonObject mode = new JsonObject();
      mode.addProperty("allowed", counts.allowed());
      mode.addProperty("rejected", counts.rejected());
      decisions.add(counts.mode(), mode);
    }
    out.add("decisions", decisions);
    out.addProperty("shed", snapshot.shed());
    out.addProperty("shadowRefused", snapshot.shadowRefused());

    JsonArray changes = new JsonArray();
    snapshot.changes().forEach(entry -> changes.add(entry.json()));
    out.add("changes", changes);
    return out.toString();
  }

  private static String sha256(String text) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
