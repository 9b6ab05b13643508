package io.raftlimiter.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.raftlimiter.api.admin.v1.NodeStatus;
import java.util.Map;

/** The {@code -o json} forms of rlctl's output: protobuf's own JSON mapping for the messages. */
final class Json {
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .includingDefaultValueFields().omittingInsignificantWhitespace();

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
    StringBuilder out = new StringBuilder("{\"groups\":").append(cluster.groups())
        .append(",\"nodes\":[");
    boolean first = true;
    for (ClusterTarget.Node node : cluster.nodes()) {
      out.append(first ? "" : ",").append("{\"id\":").append(quote(node.id()))
          .append(",\"clientAddress\":").append(quote(node.clientAddress()))
          .append(",\"pid\":").append(node.pid() == null ? "null" : node.pid().toString())
          .append(",\"up\":").append(statuses.containsKey(node.id()));
      NodeStatus status = statuses.get(node.id());
      if (status != null) {
        out.append(",\"status\":").append(of(status));
      }
      out.append('}');
      first = false;
    }
    System.out.println(out.append("]}"));
  }

  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
