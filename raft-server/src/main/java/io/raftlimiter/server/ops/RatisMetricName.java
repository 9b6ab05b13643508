package io.raftlimiter.server.ops;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one of Ratis' metrics is named in a scrape, in Prometheus' conventions: snake_case, base
 * units, and no ids in names. Ratis puts the peer a metric is about into its name
 * ({@code follower_n2_match_index}, {@code n2_lastHeartbeatElapsedTime}) and its gRPC message
 * counters carry service, method and status code there too; here those become labels, so that
 * one series family serves every peer and a query need not know the node names. Pure.
 *
 * @param name the series family: {@code ratis_<component>_<metric>} in snake_case
 * @param peer the peer the metric is about, or null
 * @param service the gRPC service of a message counter, or null (then so are method and code)
 * @param method the gRPC method of a message counter
 * @param code the status code of a completed message, or null for a started one
 * @param scale what a value is multiplied by for the base unit (Ratis' elapsed times are
 *     milliseconds; here seconds)
 */
public record RatisMetricName(String name, String peer, String service, String method,
    String code, double scale) {
  private static final Pattern NOT_ALLOWED = Pattern.compile("[^a-zA-Z0-9_]");
  private static final Pattern CAMEL = Pattern.compile("([a-z0-9])([A-Z])");
  /** The end of an acronym before a word: {@code COMMITTEDRequest}. */
  private static final Pattern ACRONYM = Pattern.compile("([A-Z])([A-Z][a-z])");
  /**
   * What Ratis 3.2 names after a peer id (log appenders, the leader's view of its followers, gRPC
   * message counters): only these take a peer apart, so that a node named like a word of another
   * metric ({@code num}, {@code latency}) leaves that metric whole.
   */
  private static final Pattern ABOUT_A_PEER = Pattern.compile("(?:latency|success_reply_count"
      + "|not_leader_reply_count|inconsistency_reply_count|append_entry_timeout_count"
      + "|pending_log_requests_count)(?:_heartbeat)?|lastHeartbeatElapsedTime|peerCommitIndex"
      + "|next_index|match_index|rpc_response_time|ratis_grpc_.+");
  /** {@code ratis_grpc_<Service>_<method>_[<CODE>_]started|completed}, after the peer. */
  private static final Pattern MESSAGE = Pattern.compile(
      "ratis_grpc_([A-Za-z]+Service)_([A-Za-z]+)_(?:([A-Z_]+)_)?(started|completed)(?:_total)?");
  /** Where Ratis puts a peer id in a metric's name: first, or after this word. */
  private static final String[] PEER_LEADS = {"", "follower_"};
  /** The component of Ratis' gRPC message counters ({@code server_message_metrics}). */
  private static final String MESSAGES = "_message_metrics";

  /**
   * The name of the metric {@code metric} of Ratis' registry {@code application.component},
   * given the ids of the cluster's nodes (a peer in a name is one of them).
   */
  public static RatisMetricName of(String application, String component, String metric,
      Collection<String> peerIds) {
    String family = snake(clean(application) + "_" + clean(component));
    String rest = clean(metric);
    String peer = null;
    for (String lead : PEER_LEADS) {
      for (String id : peerIds) {
        String marked = lead + clean(id) + "_";
        if (rest.startsWith(marked)
            && ABOUT_A_PEER.matcher(rest.substring(marked.length())).matches()) {
          peer = id;
          rest = lead + rest.substring(marked.length());
          break;
        }
      }
      if (peer != null) {
        break;
      }
    }
    if (peer != null && family.endsWith(MESSAGES)) {
      Matcher message = MESSAGE.matcher(rest);
      if (message.matches()) {
        return new RatisMetricName(
            family.substring(0, family.length() - MESSAGES.length()) + "_messages_"
                + message.group(4), peer, message.group(1), message.group(2), message.group(3), 1);
      }
    }
    String name = family + "_" + snake(rest);
    double scale = 1;
    if (name.endsWith("_elapsed_time") || name.endsWith("_rpc_response_time")) {
      name = name.substring(0, name.length() - "_time".length()) + "_seconds";
      scale = 1e-3;
    }
    return new RatisMetricName(name, peer, null, null, null, scale);
  }

  /** {@code electionCount} as {@code election_count}, {@code ALL_COMMITTED} as {@code all_committed}. */
  static String snake(String name) {
    String words = ACRONYM.matcher(name).replaceAll("$1_$2");
    return CAMEL.matcher(words).replaceAll("$1_$2").toLowerCase(Locale.ROOT)
        .replaceAll("_+", "_");
  }

  private static String clean(String name) {
    return NOT_ALLOWED.matcher(name).replaceAll("_");
  }
}
