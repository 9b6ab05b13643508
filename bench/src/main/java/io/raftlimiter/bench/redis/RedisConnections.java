package io.raftlimiter.bench.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Lettuce client holding a fixed number of connections to one Redis. Lettuce pipelines on each
 * connection by itself (a command goes out without waiting for the answers before it, which
 * come back in order), so {@code count} connections are {@code count} pipelines, as many as
 * {@code --redis-connections} asks for. The client owns its own event loops; {@link #close()}
 * stops them at once rather than after Netty's usual two-second quiet period.
 */
final class RedisConnections<K, V> implements AutoCloseable {
  private final RedisClient client;
  private final List<StatefulRedisConnection<K, V>> connections = new ArrayList<>();

  RedisConnections(String host, int port, int count, RedisCodec<K, V> codec) {
    client = RedisClient.create(RedisURI.create(host, port));
    try {
      for (int i = 0; i < count; i++) {
        connections.add(client.connect(codec));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  List<StatefulRedisConnection<K, V>> all() {
    return connections;
  }

  @Override
  public void close() {
    for (StatefulRedisConnection<K, V> connection : connections) {
      connection.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
  }
}
