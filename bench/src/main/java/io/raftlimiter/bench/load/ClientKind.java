package io.raftlimiter.bench.load;

import java.util.Locale;

/**
 * How calls reach the cluster. {@link #PLAIN}: the generated gRPC stub, one channel per node in
 * turn, no routing, as most users' clients will be. {@link #JAVA}: the project's
 * {@code RateLimiterClient}, which sends STRONG and LEASED calls to their group's leader (LEASED
 * only since 2026-12-05) and retries another node on {@code UNAVAILABLE}. Measured side by side,
 * the two show what the routing buys.
 */
public enum ClientKind {
  PLAIN, JAVA;

  /** The name in row labels and in {@code --clients}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ClientKind parse(String value) {
    for (ClientKind kind : values()) {
      if (kind.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
        return kind;
      }
    }
    throw new IllegalArgumentException("--clients: unknown client '" + value
        + "'; use plain, java or both as plain,java");
  }
}
