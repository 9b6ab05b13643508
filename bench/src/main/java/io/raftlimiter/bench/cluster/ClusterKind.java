package io.raftlimiter.bench.cluster;

import java.util.Locale;

/**
 * Where the measured nodes run. {@link #PROCESS} is the default because it is how users run
 * raftlimiter: node processes of their own, so every call crosses a process boundary and the
 * nodes' CPU can be told apart from the load generator's. {@link #EMBEDDED} keeps the nodes in the
 * bench's JVM (quicker to start, but the costs of the two sides blur). {@link #EXISTING} is a
 * cluster someone else started ({@code --endpoints}).
 */
public enum ClusterKind {
  PROCESS, EMBEDDED, EXISTING;

  /** The {@code --cluster} value: {@code process} or {@code embedded}. */
  public static ClusterKind parse(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "process" -> PROCESS;
      case "embedded" -> EMBEDDED;
      default -> throw new IllegalArgumentException("--cluster must be process or embedded, got '"
          + value + "'");
    };
  }
}
