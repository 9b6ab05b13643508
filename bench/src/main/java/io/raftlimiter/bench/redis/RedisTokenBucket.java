package io.raftlimiter.bench.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.raftlimiter.bench.load.Answered;
import io.raftlimiter.bench.load.RoundRobin;
import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.workload.KeySpace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The usual Redis rate limiter: a token bucket per key in a hash {@code {tokens, micros}}, updated
 * by one Lua script with {@code EVALSHA}, so each decision is atomic on the server: one round trip
 * a decision. The client is Lettuce, over {@code --redis-connections} connections taken in turn;
 * a batch is that many scripts issued back to back on one connection and sent in one write.
 *
 * <p>Time comes from Redis' {@code TIME} inside the script, not from the client: one clock for
 * all callers, as the raftlimiter leader's stamp is. (Redis 5+ replicates a script's effects,
 * not the script, so reading the clock before writing is allowed.) Tokens are a Lua double,
 * stored with 17 digits so that it reads back exactly; the refill is clamped at the capacity. An
 * idle key expires once it would be full again, so a full bucket costs nothing, as in raftlimiter.
 */
public final class RedisTokenBucket implements Target {
  static final String SCRIPT = String.join("\n",
      "local capacity = tonumber(ARGV[1])",
      "local per_micro = tonumber(ARGV[2]) / 1000000",
      "local permits = tonumber(ARGV[3])",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])",
      "local state = redis.call('HMGET', KEYS[1], 'tokens', 'micros')",
      "local tokens = tonumber(state[1])",
      "local last = tonumber(state[2])",
      "if tokens == nil then tokens = capacity; last = now end",
      "if now > last then",
      "  tokens = math.min(capacity, tokens + (now - last) * per_micro)",
      "  last = now",
      "end",
      "local allowed = 0",
      "if tokens >= permits then tokens = tokens - permits; allowed = 1 end",
      "redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'micros', last)",
      "local full_in = math.ceil((capacity - tokens) / per_micro / 1000) + 1",
      "redis.call('PEXPIRE', KEYS[1], full_in)",
      "return {allowed, math.floor(tokens)}");

  private final RedisConnections<String, String> connections;
  private final RoundRobin<StatefulRedisConnection<String, String>> turns;
  private final String sha;
  private final String capacity;
  private final String refillPerSecond;

  /**
   * Opens {@code connectionCount} connections and loads the script.
   *
   * <p>The connections flush only when told: a call issues its scripts and then flushes once,
   * so a batch leaves in one write, as a pipelining client sends it. (Manual flushing is per
   * connection, not per caller; the load generator sends from one thread, and every call flushes
   * what it issued, so no command waits on another caller's flush.)
   */
  public RedisTokenBucket(String host, int port, int connectionCount, long capacity,
      double refillPerSecond) {
    this.capacity = Long.toString(capacity);
    this.refillPerSecond = Double.toString(refillPerSecond);
    connections = new RedisConnections<>(host, port, connectionCount, StringCodec.UTF8);
    try {
      sha = connections.all().get(0).sync().scriptLoad(SCRIPT);
    } catch (RuntimeException e) {
      connections.close();
      throw e;
    }
    connections.all().forEach(c -> c.setAutoFlushCommands(false));
    turns = new RoundRobin<>(connections.all());
  }

  @Override
  public CompletableFuture<Answered> call(KeySpace space, int[] keys, long permits) {
    String permitText = Long.toString(permits);
    StatefulRedisConnection<String, String> connection = turns.next();
    RedisAsyncCommands<String, String> commands = connection.async();
    List<CompletableFuture<Boolean>> replies = new ArrayList<>(keys.length);
    for (int key : keys) {
      RedisFuture<List<Object>> reply = commands.evalsha(sha, ScriptOutputType.MULTI,
          new String[] {space.name(key)}, capacity, refillPerSecond, permitText);
      replies.add(reply.thenApply(RedisTokenBucket::isAllowed).toCompletableFuture());
    }
    connection.flushCommands();
    return Decisions.allowed(replies).thenApply(Answered::of);
  }

  /** The script's answer {@code {allowed, tokens}} read as allowed or not. */
  static boolean isAllowed(List<Object> reply) {
    if (reply != null && !reply.isEmpty() && reply.get(0) instanceof Long allowed) {
      return allowed == 1L;
    }
    throw new IllegalStateException("unexpected reply to the bucket script: " + reply);
  }

  @Override
  public void close() {
    connections.close();
  }
}
