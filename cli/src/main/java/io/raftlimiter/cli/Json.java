package io.raftlimiter.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.util.Map;

/** The {@code -o json} forms of rlctl's output: protobuf's own JSON mapping for the messages. */
final class Json {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .includingDefaultValueFields().omittingInsignificantWhitespace();
  /** Compact, as the proto printer is; nulls kept ("pid": null for a node of another host). */
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping()
      .create();

  private Json() {}

  static String of(MessageOrBuilder message) {
    try {
      return PRINTER.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print " + message.getClass().getSimpleName(), e);
    }
  }

  /**
   * {@code {"groups": N, "nodes": [{"id", "clientAddress", "pid", "up", "status"}...]}}, one
   * entry per node, {@code status} absent for a node that did not answer.
   */
  static void printStatuses(ClusterTarget.Known cluster, Map<String, NodeStatus> statuses) {
    System.out.println(statuses(cluster, statuses));
  }

  static String statuses(ClusterTarget.Known cluster, Map<String, NodeStatus> statuses) {
    JsonObject out = new JsonObject();
    out.addProperty("groups", cluster.groups());
    JsonArray nodes = new JsonArray();
    for (ClusterTarget.Node node : cluster.nodes()) {
      JsonObject entry = new JsonObject();
      entry.addProperty("id", node.id());
      entry.addProperty("clientAddress", node.clientAddress());
      entry.add("pid", node.pid() == null ? JsonNull.INSTANCE : new JsonPrimitive(node.pid()));
      entry.addProperty("up", statuses.containsKey(node.id()));
      NodeStatus status = statuses.get(node.id());
      if (status != null) {
        entry.add("status", JsonParser.parseString(of(status)));
      }
      nodes.add(entry);
    }
    out.add("nodes", nodes);
    return GSON.toJson(out);
  }
}
