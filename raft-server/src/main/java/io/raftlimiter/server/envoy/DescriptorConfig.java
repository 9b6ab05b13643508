package io.raftlimiter.server.envoy;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The descriptor limits of every configured domain, as trees of descriptors: looked up the way
 * Envoy's ratelimit service looks them up, so that its configuration files mean the same here.
 * Immutable, pure.
 *
 * <p>A request descriptor's entries are walked down its domain's tree, one level per entry. At
 * each level an entry takes the node with its key and value; failing that, the first whose value
 * ends in {@code *} and is a prefix of the entry's value; failing that, the node with its key
 * and no value (any value). The descriptor's limit is that of the node its <em>last</em> entry
 * reached: a descriptor that stops above a limit, runs past the tree, or reaches a node without
 * a limit (or with {@code unlimited: true}) has none.
 */
public final class DescriptorConfig {
  public static final DescriptorConfig EMPTY = new DescriptorConfig(Map.of());

  private final Map<String, Level> domains;

  private DescriptorConfig(Map<String, Level> domains) {
    this.domains = domains;
  }

  /** Whether {@code domain} has a configuration; descriptors of other domains are not looked up. */
  public boolean governs(String domain) {
    return domains.containsKey(domain);
  }

  public int domainCount() {
    return domains.size();
  }

  /**
   * The limit of the descriptor with {@code entries} in {@code domain}, or null when it has none
   * (then it is not limited, as in Envoy's ratelimit service).
   */
  public ConfiguredLimit limitOf(String domain, List<Entry> entries) {
    Level level = domains.get(domain);
    for (int i = 0; level != null && i < entries.size(); i++) {
      Node node = level.find(entries.get(i).getKey(), entries.get(i).getValue());
      if (node == null) {
        return null;
      }
      if (i == entries.size() - 1) {
        return node.limit();
      }
      level = node.children();
    }
    return null;
  }

  /** A descriptor of a configuration file. */
  record Node(String key, String value, ConfiguredLimit limit, Level children) {}

  /** The descriptors at one depth of a domain's tree, indexed as {@link Level#find} needs. */
  static final class Level {
    private final Map<KeyValue, Node> exact = new HashMap<>();
    private final Map<String, Node> anyValue = new HashMap<>();
    private final List<Node> prefixed = new ArrayList<>();

    /** Adds {@code node}; false, changing nothing, if a node with its key and value is here. */
    boolean add(Node node) {
      if (node.value() == null) {
        return anyValue.putIfAbsent(node.key(), node) == null;
      }
      if (exact.putIfAbsent(new KeyValue(node.key(), node.value()), node) != null) {
        return false;
      }
      if (node.value().endsWith("*")) {
        prefixed.add(node);
      }
      return true;
    }

    Node find(String key, String value) {
      Node node = exact.get(new KeyValue(key, value));
      if (node != null) {
        return node;
      }
      for (Node wildcard : prefixed) {
        String prefix = wildcard.value().substring(0, wildcard.value().length() - 1);
        if (wildcard.key().equals(key) && value.startsWith(prefix)) {
          return wildcard;
        }
      }
      return anyValue.get(key);
    }
  }

  private record KeyValue(String key, String value) {}

  /** Collects domains as a parser reads them. */
  static final class Builder {
    private final Map<String, Level> domains = new HashMap<>();

    /** Adds {@code domain}'s tree; false, changing nothing, if the domain is here already. */
    boolean add(String domain, Level tree) {
      return domains.putIfAbsent(domain, tree) == null;
    }

    DescriptorConfig build() {
      return new DescriptorConfig(Map.copyOf(domains));
    }
  }
}
