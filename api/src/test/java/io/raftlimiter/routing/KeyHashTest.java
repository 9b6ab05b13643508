package io.raftlimiter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyHashTest {
  @Test
  void isMurmur3x64OfEveryLength() {
    SplittableRandom random = new SplittableRandom(7);
    for (int length = 0; length <= 80; length++) {
      for (int trial = 0; trial < 20; trial++) {
        byte[] data = new byte[length];
        random.nextBytes(data);
        assertEquals(Hashing.murmur3_128().hashBytes(data).asLong(), KeyHash.of(data),
            "length " + length);
      }
    }
  }

  @Test
  void neverChanges() {
    // Pinned: a different value would move keys between groups in a running cluster.
    assertEquals(0L, KeyHash.of(""));
    assertEquals(0xcbd8a7b341bd9b02L, KeyHash.of("hello"));
    assertEquals(KeyHash.of("tenant-42:user-7".getBytes(StandardCharsets.UTF_8)),
        KeyHash.of("tenant-42:user-7"));
  }
}
