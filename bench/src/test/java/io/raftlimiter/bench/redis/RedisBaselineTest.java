package io.raftlimiter.bench.redis;

import static io.raftlimiter.bench.redis.RedisBaseline.BUCKET4J;
import static io.raftlimiter.bench.redis.RedisBaseline.LUA;
import static io.raftlimiter.bench.redis.RedisBaseline.LUA_AOF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedisBaselineTest {
  @Test
  void theOldWordsNameTheSameRows() {
    assertEquals(List.of(), RedisBaseline.parse(List.of("none")));
    assertEquals(List.of(LUA), RedisBaseline.parse(List.of("plain")));
    assertEquals(List.of(LUA_AOF), RedisBaseline.parse(List.of("aof")));
    assertEquals(List.of(LUA, LUA_AOF), RedisBaseline.parse(List.of("both")));
    assertEquals("redis", LUA.rowName());
    assertEquals("redis aof-everysec", LUA_AOF.rowName());
  }

  @Test
  void bucket4jIsChosenInAListInTheOrderGivenAndOnce() {
    assertEquals(List.of(BUCKET4J, LUA), RedisBaseline.parse(List.of("bucket4j", "PLAIN")));
    assertEquals(List.of(LUA, LUA_AOF, BUCKET4J),
        RedisBaseline.parse(List.of("plain", "all", "none")));
    assertEquals("bucket4j-redis", BUCKET4J.rowName());
  }

  @Test
  void anUnknownWordIsRefused() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> RedisBaseline.parse(List.of("plain", "maybe")));
    assertEquals("--redis: unknown 'maybe'; use " + RedisBaseline.CHOICES, error.getMessage());
  }
}
