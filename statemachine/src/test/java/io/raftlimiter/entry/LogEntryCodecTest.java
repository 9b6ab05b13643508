package io.raftlimiter.entry;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.testing.RandomValues;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogEntryCodecTest {

  static BucketLimit randomLimit(SplittableRandom rnd) {
    return new BucketLimit(RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY),
        RandomValues.spread(rnd, 1, BucketLimit.MAX_CAPACITY * BucketLimit.MICROS_PER_TOKEN));
  }

  static BucketOp randomOp(SplittableRandom rnd) {
    byte[] key = switch (rnd.nextInt(4)) {
      case 0 -> RandomValues.bytes(rnd, 1, BucketOp.MAX_KEY_BYTES);
      case 1 -> RandomValues.bytes(rnd, BucketOp.MAX_KEY_BYTES, BucketOp.MAX_KEY_BYTES);
      default -> RandomValues.utf8Key(rnd, BucketOp.MAX_KEY_BYTES);
    };
    BucketLimit limit = randomLimit(rnd);
    OpKind kind = OpKind.values()[rnd.nextInt(OpKind.values().length)];
    long permits = switch (kind) {
      case CHARGE -> RandomValues.spread(rnd, 0, BucketLimit.MAX_CAPACITY);
      case RESET, PEEK -> 0;
      default -> RandomValues.spread(rnd, 1, limit.capacity());
    };
    byte[] id = rnd.nextBoolean() ? new byte[0]
        : RandomValues.bytes(rnd, 1, BucketOp.MAX_ID_BYTES);
    return new BucketOp(key, permits, limit, kind, id);
  }

  static LogEntry randomEntry(SplittableRandom rnd) {
    int count = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(12);
    List<BucketOp> ops = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ops.add(randomOp(rnd));
    }
    long stamp = rnd.nextBoolean() ? rnd.nextLong() : RandomValues.spread(rnd, Long.MAX_VALUE);
    return new LogEntry(stamp, ops);
  }

  /** Decodes, accepting success or MalformedEntryException and nothing else. */
  private static void decodeOrReject(byte[] bytes, String where) {
    try {
      LogEntry decoded = LogEntryCodec.decode(bytes);
      if (bytes[0] == LogEntryCodec.VERSION) {
        // whatever decodes must be canonical: it encodes back to the very same bytes
        assertArrayEquals(bytes, LogEntryCodec.encode(decoded), where);
      }
    } catch (MalformedEntryException expected) {
      // fine
    } catch (RuntimeException e) {
      fail(where + ": " + e.getClass().getName() + " instead of MalformedEntryException for "
          + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 64)), e);
    }
  }

  @Test
  void theLayoutIsPinned() {
    BucketLimit limit = new BucketLimit(10, 1_000_000);
    LogEntry entry = new LogEntry(0x0102030405060708L, List.of(BucketOp.of("ab", 3, limit)));
    String expected = "03" + "01" + "0102030405060708" + "00000001"
        + "00" + "0002" + "6162" + "0000000000000003" + "000000000000000a" + "00000000000f4240"
        + "00";
    assertEquals(expected, HexFormat.of().formatHex(LogEntryCodec.encode(entry)));
    assertEquals(entry, LogEntryCodec.decode(HexFormat.of().parseHex(expected)));
    LogEntry lease = new LogEntry(0, List.of(BucketOp.of("ab", 3, limit).as(OpKind.LEASE, 3)));
    assertEquals("01", HexFormat.of().formatHex(LogEntryCodec.encode(lease), 14, 15));
    LogEntry reset = new LogEntry(0, List.of(BucketOp.of("ab", 3, limit).as(OpKind.RESET, 0)));
    assertEquals("04", HexFormat.of().formatHex(LogEntryCodec.encode(reset), 14, 15));
    assertEquals(reset, LogEntryCodec.decode(LogEntryCodec.encode(reset)));
    LogEntry withId = new LogEntry(0, List.of(BucketOp.of("ab", 3, limit)
        .withId("r7".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    String encoded = HexFormat.of().formatHex(LogEntryCodec.encode(withId));
    assertEquals("02" + "7237", encoded.substring(encoded.length() - 6));
  }

  static LogEntry randomChargeBatch(SplittableRandom rnd) {
    List<BucketLimit> limits = new ArrayList<>();
    for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
      limits.add(randomLimit(rnd));
    }
    int count = rnd.nextInt(8) == 0 ? 0 : 1 + rnd.nextInt(40);
    List<BucketOp> charges = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] key = RandomValues.utf8Key(rnd, BucketOp.MAX_KEY_BYTES);
      charges.add(new BucketOp(key, RandomValues.spread(rnd, 0, BucketLimit.MAX_CAPACITY),
          limits.get(rnd.nextInt(limits.size())), OpKind.CHARGE));
    }
    LogEntry batch = LogEntry.chargeBatch(RandomValues.bytes(rnd, 1, BucketOp.MAX_ID_BYTES),
        charges);
    return batch.withStamp(rnd.nextLong());
  }

  @Test
  void theChargeBatchLayoutIsPinned() {
    BucketLimit limit = new BucketLimit(10, 1_000_000);
    BucketLimit other = new BucketLimit(20, 2_000_000);
    LogEntry batch = LogEntry.chargeBatch(new byte[] {0x72, 0x37}, List.of(
        BucketOp.of("ab", 3, limit).as(OpKind.CHARGE, 3),
        BucketOp.of("c", 1, other).as(OpKind.CHARGE, 0),
        BucketOp.of("d", 1, limit).as(OpKind.CHARGE, 7))).withStamp(0x0102030405060708L);
    String expected = "03" + "02" + "0102030405060708" + "00000003" + "02" + "7237"
        + "0002" + "000000000000000a" + "00000000000f4240" + "0000000000000014" + "00000000001e8480"
        + "0002" + "6162" + "0000000000000003" + "0000"
        + "0001" + "63" + "0000000000000000" + "0001"
        + "0001" + "64" + "0000000000000007" + "0000";
    assertEquals(expected, HexFormat.of().formatHex(LogEntryCodec.encode(batch)));
    assertEquals(batch, LogEntryCodec.decode(HexFormat.of().parseHex(expected)));
    assertEquals(9, LogEntryCodec.decode(
        LogEntryCodec.withStamp(HexFormat.of().parseHex(expected), 9)).stampNanos());
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void chargeBatchesRoundTripAndEveryCutOrFlipIsRejectedOrCanonical(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 300; i++) {
      LogEntry batch = randomChargeBatch(rnd);
      byte[] encoded = LogEntryCodec.encode(batch);
      assertEquals(batch, LogEntryCodec.decode(encoded), "seed " + seed + " batch " + i);
      int step = 1 + encoded.length / 20;
      for (int length = 0; length < encoded.length; length += 1 + rnd.nextInt(step)) {
        byte[] truncated = Arrays.copyOf(encoded, length);
        assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(truncated),
            "seed " + seed + " batch " + i + " cut to " + length);
      }
      for (int flip = 0; flip < 30; flip++) {
        byte[] flipped = encoded.clone();
        flipped[rnd.nextInt(flipped.length)] ^= (byte) (1 << rnd.nextInt(8));
        decodeOrReject(flipped, "seed " + seed + " batch " + i + " flip " + flip);
      }
    }
  }

  @Test
  void aChargeBatchHoldsChargesWithoutIdsUnderAnIdOnly() {
    BucketLimit limit = BucketLimit.of(10, 1);
    BucketOp charge = BucketOp.of("k", 1, limit).as(OpKind.CHARGE, 1);
    assertThrows(IllegalArgumentException.class,
        () -> LogEntry.chargeBatch(new byte[0], List.of(charge)));
    assertThrows(IllegalArgumentException.class,
        () -> LogEntry.chargeBatch(new byte[1], List.of(BucketOp.of("k", 1, limit))));
    assertThrows(IllegalArgumentException.class,
        () -> LogEntry.chargeBatch(new byte[1], List.of(charge.withId(new byte[1]))));
    assertThrows(IllegalArgumentException.class,
        () -> LogEntry.chargeBatch(new byte[BucketOp.MAX_ID_BYTES + 1], List.of(charge)));
    // a limit listed twice, or never used, is not the encoder's and is refused
    byte[] encoded = LogEntryCodec.encode(LogEntry.chargeBatch(new byte[] {1}, List.of(charge)));
    byte[] twice = ByteBuffer.allocate(encoded.length + 16).put(encoded, 0, 16)
        .putShort((short) 2).put(encoded, 18, 16).put(encoded, 18, 16)
        .put(encoded, 34, encoded.length - 34).array();
    assertEquals(new LogEntry(0, List.of(charge), new byte[] {1}), LogEntryCodec.decode(
        ByteBuffer.allocate(encoded.length).put(encoded).array()), "the unpatched batch decodes");
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(twice));
  }

  @Test
  void entriesWrittenBeforeOpIdsStillDecode() {
    BucketLimit limit = new BucketLimit(10, 1_000_000);
    String version2 = "02" + "01" + "0102030405060708" + "00000001"
        + "00" + "0002" + "6162" + "0000000000000003" + "000000000000000a" + "00000000000f4240";
    LogEntry decoded = LogEntryCodec.decode(HexFormat.of().parseHex(version2));
    assertEquals(new LogEntry(0x0102030405060708L, List.of(BucketOp.of("ab", 3, limit))),
        decoded);
    byte[] stamped = LogEntryCodec.withStamp(HexFormat.of().parseHex(version2), 9);
    assertEquals(9, LogEntryCodec.decode(stamped).stampNanos());
  }

  @Test
  void anIdLongerThanTheMaximumIsMalformed() {
    BucketLimit limit = new BucketLimit(10, 1_000_000);
    byte[] valid = LogEntryCodec.encode(new LogEntry(5, List.of(BucketOp.of("ab", 3, limit)
        .withId(new byte[BucketOp.MAX_ID_BYTES]))));
    byte[] tooLong = Arrays.copyOf(valid, valid.length + 1);
    tooLong[valid.length - BucketOp.MAX_ID_BYTES - 1] = (byte) (BucketOp.MAX_ID_BYTES + 1);
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(tooLong));
    assertThrows(IllegalArgumentException.class,
        () -> BucketOp.of("ab", 3, limit).withId(new byte[BucketOp.MAX_ID_BYTES + 1]));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 77, 0xC0DEL})
  void roundTripsRandomEntries(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 2_000; i++) {
      LogEntry entry = randomEntry(rnd);
      byte[] encoded = LogEntryCodec.encode(entry);
      assertArrayEquals(encoded, LogEntryCodec.encode(entry.stampNanos(), entry.ops()));
      assertEquals(entry, LogEntryCodec.decode(encoded), "seed " + seed + " entry " + i);
      assertEquals(entry, LogEntryCodec.decode(ByteBuffer.wrap(encoded).asReadOnlyBuffer()),
          "seed " + seed + " entry " + i);
    }
  }

  @Test
  void multiByteKeysSurviveExactly() {
    BucketLimit limit = BucketLimit.of(5, 1);
    // 128 four-byte characters: exactly the 512-byte maximum
    String emoji = "\uD83D\uDE00".repeat(128);
    LogEntry entry = new LogEntry(42, List.of(
        BucketOp.of("tenant/\u00FCber/\u6F22\u5B57", 2, limit), BucketOp.of(emoji, 1, limit)));
    assertEquals(entry, LogEntryCodec.decode(LogEntryCodec.encode(entry)));
    assertThrows(IllegalArgumentException.class, () -> BucketOp.of(emoji + "x", 1, limit));
  }

  @ParameterizedTest
  @ValueSource(longs = {4, 5, 6})
  void withStampChangesOnlyTheStamp(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 500; i++) {
      LogEntry entry = randomEntry(rnd);
      byte[] encoded = LogEntryCodec.encode(entry);
      long stamp = rnd.nextLong();
      byte[] stamped = LogEntryCodec.withStamp(encoded, stamp);
      assertEquals(entry.withStamp(stamp), LogEntryCodec.decode(stamped), "seed " + seed);
      assertEquals(encoded.length, stamped.length);
      for (int b = 0; b < encoded.length; b++) {
        if (b < LogEntryCodec.STAMP_OFFSET || b >= LogEntryCodec.STAMP_OFFSET + 8) {
          assertEquals(encoded[b], stamped[b], "seed " + seed + " byte " + b);
        }
      }
      assertEquals(entry, LogEntryCodec.decode(encoded), "the input is not modified");
      assertEquals(entry.ops(), entry.withStamp(stamp).ops());
      assertEquals(stamp, entry.withStamp(stamp).stampNanos());
    }
  }

  @Test
  void withStampRejectsWhatIsNotAnEntry() {
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.withStamp(new byte[0], 1));
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.withStamp(new byte[13], 1));
    byte[] wrongVersion = LogEntryCodec.encode(new LogEntry(1, List.of()));
    wrongVersion[0] = LogEntryCodec.VERSION + 1;
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.withStamp(wrongVersion, 1));
  }

  @ParameterizedTest
  @ValueSource(longs = {7, 8, 9})
  void everyTruncationIsRejected(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 300; i++) {
      byte[] encoded = LogEntryCodec.encode(randomEntry(rnd));
      for (int t = 0; t < 50; t++) {
        int length = t < 40 ? Math.min(t, encoded.length - 1) : rnd.nextInt(encoded.length);
        byte[] truncated = Arrays.copyOf(encoded, length);
        assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(truncated),
            "seed " + seed + " entry " + i + " cut to " + length + " of " + encoded.length);
      }
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] encoded = LogEntryCodec.encode(
        new LogEntry(5, List.of(BucketOp.of("k", 1, BucketLimit.of(3, 1)))));
    for (int extra = 1; extra <= 30; extra++) {
      byte[] longer = Arrays.copyOf(encoded, encoded.length + extra);
      assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(longer));
    }
  }

  @Test
  void unknownVersionOrTypeIsRejected() {
    byte[] encoded = LogEntryCodec.encode(new LogEntry(5, List.of()));
    for (int v = 0; v < 256; v++) {
      if (v != LogEntryCodec.VERSION && v != LogEntryCodec.VERSION_WITHOUT_IDS) {
        byte[] bad = encoded.clone();
        bad[0] = (byte) v;
        assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(bad), "version " + v);
      }
      if (v == LogEntryCodec.TYPE_OP_BATCH) {
        continue;
      }
      byte[] badType = encoded.clone();
      badType[1] = (byte) v;
      assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(badType), "type " + v);
    }
  }

  @Test
  void invalidFieldsAreMalformedNotIllegalArgument() {
    BucketLimit limit = new BucketLimit(10, 1_000_000);
    byte[] valid = LogEntryCodec.encode(new LogEntry(5, List.of(BucketOp.of("ab", 3, limit))));
    int op = 14; // header bytes
    int kindAt = op;
    int permitsAt = op + 1 + 2 + 2;
    int capacityAt = permitsAt + 8;
    int rateAt = capacityAt + 8;
    long[][] patches = {
        {permitsAt, 0}, {permitsAt, -1}, {permitsAt, 11},
        {capacityAt, 0}, {capacityAt, BucketLimit.MAX_CAPACITY + 1},
        {rateAt, 0}, {rateAt, Long.MIN_VALUE},
    };
    for (long[] patch : patches) {
      byte[] bad = valid.clone();
      ByteBuffer.wrap(bad).putLong((int) patch[0], patch[1]);
      assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(bad),
          "field at " + patch[0] + " = " + patch[1]);
    }
    for (int kind : new int[] {4, 127, -1}) {
      byte[] bad = valid.clone();
      bad[kindAt] = (byte) kind;
      assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(bad), "kind " + kind);
    }
    byte[] emptyKey = valid.clone();
    ByteBuffer.wrap(emptyKey).putShort(op + 1, (short) 0);
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(emptyKey));

    // a key of 513 bytes, well formed otherwise
    ByteBuffer longKey = ByteBuffer.allocate(14 + 1 + 2 + 513 + 24 + 1);
    longKey.put(LogEntryCodec.VERSION).put((byte) 1).putLong(5).putInt(1).put((byte) 0)
        .putShort((short) 513).put(new byte[513])
        .putLong(1).putLong(10).putLong(1_000_000).put((byte) 0);
    assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(longKey.array()));

    for (int count : new int[] {-1, Integer.MIN_VALUE, 2, LogEntryCodec.MAX_OPS + 1, Integer.MAX_VALUE}) {
      byte[] bad = valid.clone();
      ByteBuffer.wrap(bad).putInt(10, count);
      assertThrows(MalformedEntryException.class, () -> LogEntryCodec.decode(bad), "count " + count);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {10, 11, 12, 13})
  void randomBytesNeverThrowAnythingButMalformed(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 50_000; i++) {
      byte[] bytes = RandomValues.bytes(rnd, 0, 120);
      if (bytes.length >= 14 && rnd.nextBoolean()) {
        // get past the header check, with a small op count, to reach the op decoding
        bytes[0] = LogEntryCodec.VERSION;
        bytes[1] = LogEntryCodec.TYPE_OP_BATCH;
        ByteBuffer.wrap(bytes).putInt(10, rnd.nextInt(4));
        if (bytes.length >= 17 && rnd.nextBoolean()) {
          bytes[14] = (byte) rnd.nextInt(5);
          ByteBuffer.wrap(bytes).putShort(15, (short) rnd.nextInt(bytes.length - 16));
        }
      }
      decodeOrReject(bytes, "seed " + seed + " array " + i);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {14, 15, 16})
  void corruptedEntriesNeverThrowAnythingButMalformed(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes = LogEntryCodec.encode(randomEntry(rnd));
      int flips = 1 + rnd.nextInt(3);
      for (int f = 0; f < flips; f++) {
        int at = rnd.nextInt(Math.min(bytes.length, rnd.nextBoolean() ? 64 : bytes.length));
        bytes[at] = (byte) rnd.nextInt(256);
      }
      if (rnd.nextInt(4) == 0) {
        bytes = Arrays.copyOf(bytes, rnd.nextInt(bytes.length + 1));
      }
      decodeOrReject(bytes, "seed " + seed + " entry " + i);
    }
  }

  @Test
  void acquireOpValidatesItsFields() {
    BucketLimit limit = BucketLimit.of(10, 1);
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(null, 1, limit));
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(new byte[0], 1, limit));
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(new byte[513], 1, limit));
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(new byte[1], 0, limit));
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(new byte[1], 11, limit));
    assertThrows(IllegalArgumentException.class, () -> new BucketOp(new byte[1], 1, null));
    assertEquals(new BucketOp(new byte[] {1, 2}, 1, limit), new BucketOp(new byte[] {1, 2}, 1, limit));
    assertEquals(new BucketOp(new byte[] {1, 2}, 1, limit).hashCode(),
        new BucketOp(new byte[] {1, 2}, 1, limit).hashCode());
    BucketOp op = new BucketOp(new byte[] {1, 2}, 1, limit);
    assertEquals(op.withId(new byte[] {7}), op.withId(new byte[] {7}));
    assertFalse(op.equals(op.withId(new byte[] {7})));
    assertFalse(op.withId(new byte[] {7}).as(OpKind.RETURN, 1).hasId(), "another op, no id");
  }
}
