package io.raftlimiter.server.runtime;

/**
 * Which operator limit a decision ran under, as the metrics name it: so that an on-call engineer
 * sees which limit is refusing, with series bounded by what operators configure, never by raw
 * keys (the one exception, Envoy's {@code detailed_metric}, is capped where it is counted).
 *
 * @param source {@code rule} (a prefix rule), {@code default} (the node's default limit, no
 *     rule matched), {@code request} (a limit the request carried won), or {@code envoy} (a
 *     descriptor's configured limit)
 * @param name the rule's prefix, or the Envoy descriptor's stat key ({@code domain.key_value...},
 *     as Envoy's ratelimit service names it); empty for the default and for request limits
 */
public record LimitLabel(String source, String name) {
  public static final LimitLabel DEFAULT = new LimitLabel("default", "");
  public static final LimitLabel REQUEST = new LimitLabel("request", "");

  public static LimitLabel rule(String prefix) {
    return new LimitLabel("rule", prefix);
  }

  public static LimitLabel envoy(String statKey) {
    return new LimitLabel("envoy", statKey);
  }
}
