package io.raftlimiter.bench.redis;

import io.raftlimiter.bench.load.Target;
import io.raftlimiter.bench.workload.KeySpace;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The usual Redis rate limiter: a token bucket per key in a hash {@code {tokens, micros}}, updated
 * by one Lua script with {@code EVALSHA}, so each decision is atomic on the server. A batch is
 * that many scripts pipelined in one write.
 *
 * <p>Time comes from Redis' {@code TIME} inside the script, not from the client: one clock for
 * all callers, as the raftlimiter leader's stamp is. (Redis 5+ replicates a script's effects,
 * not the script, so reading the clock before writing is allowed.) Tokens are a Lua double,
 * stored with 17 digits so that it reads back exactly; the refill is clamped at the capacity. An idle key expires once it would be full again, so a
 * full bucket costs nothing, as in raftlimiter.
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

  private final List<RespConnection> connections = new ArrayList<>();
  private final AtomicInteger turn = new AtomicInteger();
  private final String sha;
  private final String capacity;
  private final String refillPerSecond;

  /** Opens {@code connectionCount} pipelined connections and loads the script. */
  public RedisTokenBucket(String host, int port, int connectionCount, long capacity,
      double refillPerSecond) throws Exception {
    this.capacity = Long.toString(capacity);
    this.refillPerSecond = Double.toString(refillPerSecond);
    try {
      for (int i = 0; i < connectionCount; i++) {
        connections.add(new RespConnection(host, port));
      }
      sha = (String) connections.get(0).call("SCRIPT", "LOAD", SCRIPT);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  @Override
  public CompletableFuture<boolean[]> call(KeySpace space, int[] keys, long permits) {
    String permitText = Long.toString(permits);
    List<String[]> commands = new ArrayList<>(keys.length);
    for (int key : keys) {
      commands.add(new String[] {"EVALSHA", sha, "1", space.name(key), capacity, refillPerSecond,
          permitText});
    }
    RespConnection connection =
        connections.get(Math.floorMod(turn.getAndIncrement(), connections.size()));
    List<CompletableFuture<Object>> replies = connection.send(commands);
    return CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).thenApply(done -> {
      boolean[] allowed = new boolean[keys.length];
      for (int i = 0; i < allowed.length; i++) {
        allowed[i] = isAllowed(replies.get(i).join());
      }
      return allowed;
    });
  }

  static boolean isAllowed(Object reply) {
    if (reply instanceof RespError error) {
      throw error;
    }
    if (reply instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Long allowed) {
      return allowed == 1L;
    }
    throw new IllegalStateException("unexpected reply to the bucket script: " + reply);
  }

  @Override
  public void close() throws IOException {
    for (RespConnection connection : connections) {
      connection.close();
    }
  }
}
