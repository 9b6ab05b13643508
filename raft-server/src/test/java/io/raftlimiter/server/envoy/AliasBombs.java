package io.raftlimiter.server.envoy;

/**
 * Descriptor files whose YAML anchors and aliases make a small text expand into a large tree
 * ("billion laughs"): what a parser that builds every use of an alias would run out of memory on.
 */
final class AliasBombs {
  private AliasBombs() {}

  /**
   * A file of a few kilobytes: level {@code i} is a list of two descriptors that each hold level
   * {@code i - 1} by alias, so the file expands to about {@code 2^(levels + 1)} descriptors
   * while using only {@code 2 * (levels - 1)} aliases and nesting {@code levels} deep.
   */
  static String doubling(int levels) {
    StringBuilder yaml = new StringBuilder("domain: bomb\ndescriptors:\n"
        + "  - key: l0\n    descriptors: &a0 [{key: a}, {key: b}]\n");
    for (int i = 1; i < levels; i++) {
      yaml.append("  - key: l").append(i).append("\n    descriptors: &a").append(i)
          .append(" [{key: a, descriptors: *a").append(i - 1)
          .append("}, {key: b, descriptors: *a").append(i - 1).append("}]\n");
    }
    return yaml.toString();
  }

  /**
   * {@code parents} descriptors that each hold the same list of {@code children} leaves (the
   * first defines it, the others alias it): {@code parents * (1 + children)} descriptors.
   */
  static String shared(int parents, int children) {
    StringBuilder yaml = new StringBuilder("domain: shared\ndescriptors:\n"
        + "  - key: p0\n    descriptors: &leaves\n");
    for (int i = 0; i < children; i++) {
      yaml.append("      - {key: c").append(i).append("}\n");
    }
    for (int i = 1; i < parents; i++) {
      yaml.append("  - key: p").append(i).append("\n    descriptors: *leaves\n");
    }
    return yaml.toString();
  }
}
