package io.raftlimiter.bench.redis;

import io.raftlimiter.bench.load.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Redis rows a run can measure, each on a fresh {@code redis-server} of its own, chosen with
 * {@code --redis}. The Lua rows keep the names they have had since the first figures, so that
 * figures stay comparable across runs.
 */
public enum RedisBaseline {
  /** The Lua token bucket on a server without persistence: the {@code x Redis} baseline. */
  LUA("redis", "redis", RedisServer.Persistence.NONE),
  /** The Lua token bucket on a server that appends to its AOF and fsyncs once a second. */
  LUA_AOF("redis aof-everysec", "redis", RedisServer.Persistence.AOF_EVERYSEC),
  /** Bucket4j's Lettuce proxy manager (compare-and-swap) on a server without persistence. */
  BUCKET4J("bucket4j-redis", "bucket4j", RedisServer.Persistence.NONE);

  /** What {@code --redis} accepts. */
  public static final String CHOICES = "none, plain, aof, both (plain and aof), bucket4j or all";

  private final String rowName;
  private final String system;
  private final RedisServer.Persistence persistence;

  RedisBaseline(String rowName, String system, RedisServer.Persistence persistence) {
    this.rowName = rowName;
    this.system = system;
    this.persistence = persistence;
  }

  /** The report's row name. */
  public String rowName() {
    return rowName;
  }

  /** The report's system: {@code redis} for the Lua rows, {@code bucket4j} for Bucket4j's. */
  public String system() {
    return system;
  }

  public RedisServer.Persistence persistence() {
    return persistence;
  }

  /** Connects to the server on {@code port} and makes ready to decide. */
  public Target open(int port, int connections, long capacity, double refillPerSecond) {
    String host = "127.0.0.1";
    return this == BUCKET4J
        ? new Bucket4jRedisBucket(host, port, connections, capacity, refillPerSecond)
        : new RedisTokenBucket(host, port, connections, capacity, refillPerSecond);
  }

  /**
   * The rows {@code --redis} names, in the order given, each once; {@code none} adds nothing.
   *
   * @throws IllegalArgumentException for a word not in {@link #CHOICES}
   */
  public static List<RedisBaseline> parse(List<String> words) {
    List<RedisBaseline> rows = new ArrayList<>();
    for (String word : words) {
      List<RedisBaseline> named = switch (word.trim().toLowerCase(Locale.ROOT)) {
        case "none" -> List.of();
        case "plain" -> List.of(LUA);
        case "aof" -> List.of(LUA_AOF);
        case "both" -> List.of(LUA, LUA_AOF);
        case "bucket4j" -> List.of(BUCKET4J);
        case "all" -> List.of(LUA, LUA_AOF, BUCKET4J);
        default -> throw new IllegalArgumentException(
            "--redis: unknown '" + word + "'; use " + CHOICES);
      };
      named.stream().filter(row -> !rows.contains(row)).forEach(rows::add);
    }
    return rows;
  }
}
