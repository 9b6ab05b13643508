package io.raftlimiter.bench.fuzz;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.OpKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded log entries that a peer holding a node certificate might propose: random bytes, valid
 * op batches and charge batches mutated byte by byte, and headers that claim more ops than any
 * entry may hold. For the metadata group, random bytes. A malformed one must be refused in
 * {@code startTransaction}, before the log; one that a mutation left well-formed is applied like
 * any other entry, and apply must not fail on it. Keys start with {@link #KEY_PREFIX}, apart
 * from every bucket the wire fuzz checks.
 */
final class RaftEntryInputs {
  static final String KEY_PREFIX = "fz-raft-";

  /** An entry, for the data group or the metadata group. */
  record Entry(byte[] bytes, String kind, boolean metadata) {}

  private final Random random;

  RaftEntryInputs(long seed) {
    this.random = new Random(seed);
  }

  Entry next() {
    int pick = random.nextInt(10);
    return switch (pick) {
      case 0, 1 -> new Entry(randomBytes(1 + random.nextInt(256)), "random bytes", false);
      case 2, 3, 4 -> new Entry(FuzzInputs.mutate(validEntry(), random), "mutated entry", false);
      case 5 -> new Entry(FuzzInputs.mutate(validChargeBatch(), random), "mutated charge batch",
          false);
      case 6 -> new Entry(lyingCount(), "op count beyond the bytes", false);
      case 7 -> new Entry(truncated(), "entry cut short", false);
      default -> new Entry(randomBytes(1 + random.nextInt(128)), "random bytes", true);
    };
  }

  private byte[] validEntry() {
    List<BucketOp> ops = new ArrayList<>();
    int count = 1 + random.nextInt(4);
    OpKind[] kinds = OpKind.values();
    for (int i = 0; i < count; i++) {
      BucketOp op = BucketOp.of(KEY_PREFIX + random.nextInt(1_000), 1 + random.nextInt(5),
          BucketLimit.of(5 + random.nextInt(100), 0.5 + random.nextInt(10)));
      OpKind kind = kinds[random.nextInt(kinds.length)];
      ops.add(op.as(kind, kind == OpKind.RESET || kind == OpKind.PEEK ? 0 : op.permits()));
    }
    return LogEntryCodec.encode(random.nextLong(), ops);
  }

  private byte[] validChargeBatch() {
    List<BucketOp> charges = new ArrayList<>();
    for (int i = 1 + random.nextInt(6); i > 0; i--) {
      charges.add(BucketOp.of(KEY_PREFIX + random.nextInt(1_000), 1,
          BucketLimit.of(5 + random.nextInt(3), 1)).as(OpKind.CHARGE, random.nextInt(50)));
    }
    byte[] id = new byte[1 + random.nextInt(16)];
    random.nextBytes(id);
    return LogEntryCodec.encode(LogEntry.chargeBatch(id, charges).withStamp(random.nextLong()));
  }

  /** A valid entry whose op count says far more than it holds (up to Integer.MAX_VALUE). */
  private byte[] lyingCount() {
    byte[] entry = validEntry();
    int count = random.nextBoolean() ? Integer.MAX_VALUE : LogEntryCodec.MAX_OPS + 1
        + random.nextInt(1_000);
    ByteBuffer.wrap(entry).putInt(LogEntryCodec.HEADER_BYTES - 4, count);
    return entry;
  }

  private byte[] truncated() {
    byte[] entry = validEntry();
    byte[] cut = new byte[random.nextInt(entry.length)];
    System.arraycopy(entry, 0, cut, 0, cut.length);
    return cut;
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }
}
