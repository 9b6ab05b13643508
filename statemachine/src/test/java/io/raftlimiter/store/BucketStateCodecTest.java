package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.bucket.LeasedTokens;
import io.raftlimiter.testing.RandomValues;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BucketStateCodecTest {

  static BucketState randomState(SplittableRandom rnd) {
    BucketLimit limit = new BucketLimit(RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY),
        RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN));
    long lastRefill = rnd.nextBoolean() ? rnd.nextLong() : RandomValues.spread(rnd, Long.MAX_VALUE);
    return new BucketState(limit, RandomValues.spread(rnd, limit.capacityMicros()),
        RandomValues.spread(rnd, 999_999_999), lastRefill);
  }

  @Test
  void theLayoutIsPinned() {
    // the stored form outlives a release: a change here must come with a version bump
    BucketState state = new BucketState(new BucketLimit(10, 1_000_000), 5_000_000, 7, 0x0102030405060708L);
    String expected = "01" + "00000000004c4b40" + "00000007" + "0102030405060708"
        + "000000000000000a" + "00000000000f4240";
    assertEquals(expected, HexFormat.of().formatHex(BucketStateCodec.encode(state)));
    assertEquals(state, BucketStateCodec.decode(HexFormat.of().parseHex(expected)));
  }

  @Test
  void aBucketWithLeasesOutIsVersionTwoAndPinnedToo() {
    BucketState state = new BucketState(new BucketLimit(10, 1_000_000), 5_000_000, 7,
        0x0102030405060708L, new LeasedTokens(0x11, 3, 2));
    String expected = "02" + "00000000004c4b40" + "00000007" + "0102030405060708"
        + "000000000000000a" + "00000000000f4240"
        + "0000000000000011" + "0000000000000003" + "0000000000000002";
    assertEquals(expected, HexFormat.of().formatHex(BucketStateCodec.encode(state)));
    assertEquals(state, BucketStateCodec.decode(HexFormat.of().parseHex(expected)));
    assertThrows(IllegalStateException.class,
        () -> BucketStateCodec.decode(HexFormat.of().parseHex("01" + expected.substring(2))));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 2024})
  void roundTripsRandomStates(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 20_000; i++) {
      BucketState state = randomState(rnd);
      byte[] encoded = BucketStateCodec.encode(state);
      assertEquals(BucketStateCodec.ENCODED_BYTES, encoded.length);
      assertEquals(state, BucketStateCodec.decode(encoded), "seed " + seed + " state " + i);
    }
  }

  @Test
  void largestRemainderSurvivesTheIntField() {
    BucketState state = new BucketState(new BucketLimit(BucketLimit.MAX_CAPACITY, 1),
        BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN, 999_999_999, Long.MIN_VALUE);
    assertEquals(state, BucketStateCodec.decode(BucketStateCodec.encode(state)));
  }

  @Test
  void corruptRecordsAreRejected() {
    byte[] encoded = BucketStateCodec.encode(new BucketState(BucketLimit.of(3, 1), 0, 0, 1));
    assertThrows(IllegalStateException.class, () -> BucketStateCodec.decode(Arrays.copyOf(encoded, 36)));
    assertThrows(IllegalStateException.class, () -> BucketStateCodec.decode(Arrays.copyOf(encoded, 38)));
    byte[] wrongVersion = encoded.clone();
    wrongVersion[0] = 2;
    assertThrows(IllegalStateException.class, () -> BucketStateCodec.decode(wrongVersion));
  }
}
