package io.raftlimiter.bench.redis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedisTokenBucketTest {
  @Test
  void theScriptsAnswerIsReadAsAllowedOrNot() {
    assertTrue(RedisTokenBucket.isAllowed(List.of(1L, 99L)));
    assertFalse(RedisTokenBucket.isAllowed(List.of(0L, 0L)));
    assertThrows(IllegalStateException.class, () -> RedisTokenBucket.isAllowed(List.of("OK")));
    assertThrows(IllegalStateException.class, () -> RedisTokenBucket.isAllowed(List.of()));
  }
}
