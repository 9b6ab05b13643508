package io.raftlimiter.entry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.testing.RandomValues;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecisionCodecTest {

  private static List<Decision> randomDecisions(SplittableRandom rnd) {
    int count = rnd.nextInt(40);
    List<Decision> decisions = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      boolean allowed = rnd.nextBoolean();
      decisions.add(new Decision(allowed, RandomValues.spread(rnd, Long.MAX_VALUE),
          allowed ? 0 : RandomValues.spread(rnd, Long.MAX_VALUE),
          allowed ? RandomValues.spread(rnd, Long.MAX_VALUE) : 0));
    }
    return decisions;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 99})
  void roundTripsRandomDecisions(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 2_000; i++) {
      List<Decision> decisions = randomDecisions(rnd);
      byte[] encoded = DecisionCodec.encode(decisions);
      assertEquals(4 + 25 * decisions.size(), encoded.length);
      assertEquals(decisions, DecisionCodec.decode(ByteBuffer.wrap(encoded)), "seed " + seed + " list " + i);
    }
  }

  @Test
  void extremesRoundTrip() {
    List<Decision> decisions = List.of(new Decision(true, 0, 0), new Decision(false, Long.MAX_VALUE, Long.MAX_VALUE),
        new Decision(false, 0, 1), new Decision(true, Long.MIN_VALUE, -1));
    assertEquals(decisions, DecisionCodec.decode(ByteBuffer.wrap(DecisionCodec.encode(decisions))));
    assertEquals(List.of(), DecisionCodec.decode(ByteBuffer.wrap(DecisionCodec.encode(List.of()))));
  }

  @Test
  void aReplayedDecisionKeepsItsMark() {
    List<Decision> decisions = List.of(new Decision(true, 3, 0).asReplayed(),
        new Decision(false, 0, 250).asReplayed(), new Decision(true, 1, 0));
    assertEquals(decisions, DecisionCodec.decode(ByteBuffer.wrap(DecisionCodec.encode(decisions))));
  }

  @Test
  void truncatedOrCorruptRepliesAreMalformed() {
    byte[] encoded = DecisionCodec.encode(List.of(new Decision(true, 3, 0), new Decision(false, 0, 250)));
    for (int length = 0; length < encoded.length; length++) {
      byte[] truncated = Arrays.copyOf(encoded, length);
      assertThrows(MalformedEntryException.class, () -> DecisionCodec.decode(ByteBuffer.wrap(truncated)),
          "cut to " + length);
    }
    for (int flag : new int[] {4, -1, 0x7F}) {
      byte[] badFlag = encoded.clone();
      badFlag[4] = (byte) flag;
      assertThrows(MalformedEntryException.class, () -> DecisionCodec.decode(ByteBuffer.wrap(badFlag)));
    }
    for (int count : new int[] {-1, 3, Integer.MAX_VALUE}) {
      byte[] badCount = encoded.clone();
      ByteBuffer.wrap(badCount).putInt(0, count);
      assertThrows(MalformedEntryException.class, () -> DecisionCodec.decode(ByteBuffer.wrap(badCount)));
    }
  }
}
