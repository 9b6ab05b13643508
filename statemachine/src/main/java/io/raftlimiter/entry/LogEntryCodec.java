package io.raftlimiter.entry;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The binary form of a {@link LogEntry}. Hand-written rather than protobuf because it is on the
 * hot path of every replica's apply and its layout is tiny and stable:
 *
 * <pre>
 *   version:u8  type:u8  stampNanos:i64  count:i32
 *   count x { kind:u8  keyLength:u16  key:bytes  permits:i64  capacity:i64  refillMicrosPerSecond:i64
 *             idLength:u8  id:bytes }
 * </pre>
 *
 * A charge batch ({@link LogEntry#isChargeBatch}, type 2) holds charges only, one id for all, and
 * each distinct limit once:
 *
 * <pre>
 *   version:u8  type:u8  stampNanos:i64  count:i32  idLength:u8  id:bytes
 *   limitCount:u16  limitCount x { capacity:i64  refillMicrosPerSecond:i64 }
 *   count x { keyLength:u16  key:bytes  hits:i64  limitIndex:u16 }
 * </pre>
 *
 * About 12 bytes and a key per charge, where an op of its own takes 42 and a key.
 *
 * <p>The stamp sits at a fixed offset so the leader can stamp an encoded entry in place. Version 2,
 * the same without op ids, is still read: logs written before ids existed replay as they were.
 */
public final class LogEntryCodec {
  static final byte VERSION = 3;
  /** The version before op ids, still decoded. */
  static final byte VERSION_WITHOUT_IDS = 2;
  /** An entry holding a batch of bucket ops of any kind (named for acquires once; still 1). */
  static final byte TYPE_OP_BATCH = 1;
  /** An entry holding one charge batch. Builds before it cannot read it (DESIGN.md §5). */
  static final byte TYPE_CHARGE_BATCH = 2;
  static final int STAMP_OFFSET = 2;
  public static final int HEADER_BYTES = 2 + 8 + 4;
  private static final int FIXED_OP_BYTES_WITHOUT_IDS = 1 + 2 + 8 + 8 + 8;
  private static final int FIXED_OP_BYTES = FIXED_OP_BYTES_WITHOUT_IDS + 1;
  /** An upper bound on ops per entry, so that a corrupt count cannot allocate without limit. */
  public static final int MAX_OPS = 1 << 20;
  /** Charges per batch at most: its limit indexes are 16 bits. */
  public static final int MAX_BATCH_CHARGES = 0xFFFF;
  private static final int FIXED_CHARGE_BYTES = 2 + 8 + 2;
  private static final int LIMIT_BYTES = 8 + 8;

  private LogEntryCodec() {}

  public static byte[] encode(LogEntry entry) {
    return entry.isChargeBatch() ? encodeChargeBatch(entry)
        : encode(entry.stampNanos(), entry.ops());
  }

  /** The bytes a charge of {@code key} takes in a charge batch, besides its limit. */
  public static int chargeSize(byte[] key) {
    return FIXED_CHARGE_BYTES + key.length;
  }

  /** The bytes a charge batch takes besides its charges and limits. */
  public static int chargeBatchHeaderSize(byte[] id) {
    return HEADER_BYTES + 1 + id.length + 2;
  }

  /** The bytes one distinct limit takes in a charge batch. */
  public static int chargeBatchLimitSize() {
    return LIMIT_BYTES;
  }

  private static byte[] encodeChargeBatch(LogEntry entry) {
    List<BucketOp> charges = entry.ops();
    if (charges.size() > MAX_BATCH_CHARGES) {
      throw new IllegalArgumentException("a charge batch holds at most " + MAX_BATCH_CHARGES
          + " charges, got " + charges.size());
    }
    byte[] id = entry.batchId();
    Map<BucketLimit, Integer> limitIndex = new HashMap<>();
    List<BucketLimit> limits = new ArrayList<>();
    int size = chargeBatchHeaderSize(id);
    for (BucketOp charge : charges) {
      if (limitIndex.putIfAbsent(charge.limit(), limits.size()) == null) {
        limits.add(charge.limit());
        size += LIMIT_BYTES;
      }
      size += chargeSize(charge.key());
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.put(VERSION).put(TYPE_CHARGE_BATCH).putLong(entry.stampNanos()).putInt(charges.size())
        .put((byte) id.length).put(id).putShort((short) limits.size());
    for (BucketLimit limit : limits) {
      buffer.putLong(limit.capacity()).putLong(limit.refillMicrosPerSecond());
    }
    for (BucketOp charge : charges) {
      buffer.putShort((short) charge.key().length).put(charge.key()).putLong(charge.permits())
          .putShort((short) (int) limitIndex.get(charge.limit()));
    }
    return buffer.array();
  }

  /** The bytes {@code op} takes in an encoded entry. */
  public static int encodedSize(BucketOp op) {
    return FIXED_OP_BYTES + op.key().length + op.id().length;
  }

  public static byte[] encode(long stampNanos, List<BucketOp> ops) {
    int size = HEADER_BYTES;
    for (BucketOp op : ops) {
      size += encodedSize(op);
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.put(VERSION).put(TYPE_OP_BATCH).putLong(stampNanos).putInt(ops.size());
    for (BucketOp op : ops) {
      buffer.put(op.kind().code()).putShort((short) op.key().length).put(op.key()).putLong(op.permits())
          .putLong(op.limit().capacity()).putLong(op.limit().refillMicrosPerSecond())
          .put((byte) op.id().length).put(op.id());
    }
    return buffer.array();
  }

  /** Returns a copy of {@code encoded} with its stamp replaced. */
  public static byte[] withStamp(byte[] encoded, long stampNanos) {
    checkHeader(encoded);
    byte[] copy = encoded.clone();
    ByteBuffer.wrap(copy).putLong(STAMP_OFFSET, stampNanos);
    return copy;
  }

  /** Decodes and validates an entry; throws {@link MalformedEntryException} on any defect. */
  public static LogEntry decode(byte[] encoded) {
    return decode(ByteBuffer.wrap(encoded));
  }

  public static LogEntry decode(ByteBuffer buffer) {
    try {
      byte version = buffer.get();
      byte type = buffer.get();
      if (version == VERSION && type == TYPE_CHARGE_BATCH) {
        return decodeChargeBatch(buffer);
      }
      if ((version != VERSION && version != VERSION_WITHOUT_IDS) || type != TYPE_OP_BATCH) {
        throw new MalformedEntryException("unknown entry version " + version + " type " + type);
      }
      boolean withIds = version == VERSION;
      long stampNanos = buffer.getLong();
      int count = buffer.getInt();
      int fixedOpBytes = withIds ? FIXED_OP_BYTES : FIXED_OP_BYTES_WITHOUT_IDS;
      if (count < 0 || count > MAX_OPS || count > buffer.remaining() / fixedOpBytes) {
        throw new MalformedEntryException("bad op count " + count);
      }
      List<BucketOp> ops = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte code = buffer.get();
        OpKind kind = OpKind.ofCode(code);
        if (kind == null) {
          throw new MalformedEntryException("unknown op kind " + code);
        }
        int keyLength = Short.toUnsignedInt(buffer.getShort());
        byte[] key = new byte[keyLength];
        buffer.get(key);
        long permits = buffer.getLong();
        BucketLimit limit = new BucketLimit(buffer.getLong(), buffer.getLong());
        byte[] id = new byte[0];
        if (withIds) {
          id = new byte[Byte.toUnsignedInt(buffer.get())];
          buffer.get(id);
        }
        ops.add(new BucketOp(key, permits, limit, kind, id));
      }
      if (buffer.hasRemaining()) {
        throw new MalformedEntryException(buffer.remaining() + " trailing bytes");
      }
      return new LogEntry(stampNanos, ops);
    } catch (BufferUnderflowException | IllegalArgumentException e) {
      throw new MalformedEntryException("malformed entry: " + e.getMessage(), e);
    }
  }

  /** The rest of a charge batch, after its version and type. */
  private static LogEntry decodeChargeBatch(ByteBuffer buffer) {
    long stampNanos = buffer.getLong();
    int count = buffer.getInt();
    if (count < 0 || count > MAX_BATCH_CHARGES
        || count > buffer.remaining() / FIXED_CHARGE_BYTES) {
      throw new MalformedEntryException("bad charge count " + count);
    }
    int idLength = Byte.toUnsignedInt(buffer.get());
    if (idLength == 0) {
      throw new MalformedEntryException("a charge batch without an id");
    }
    byte[] id = new byte[idLength];
    buffer.get(id);
    int limitCount = Short.toUnsignedInt(buffer.getShort());
    if (limitCount > buffer.remaining() / LIMIT_BYTES) {
      throw new MalformedEntryException("bad limit count " + limitCount);
    }
    BucketLimit[] limits = new BucketLimit[limitCount];
    Set<BucketLimit> distinct = new HashSet<>();
    for (int i = 0; i < limitCount; i++) {
      limits[i] = new BucketLimit(buffer.getLong(), buffer.getLong());
      if (!distinct.add(limits[i])) {
        throw new MalformedEntryException("limit " + i + " repeats an earlier one");
      }
    }
    // One encoding per batch, as the encoder writes it: limits in the order charges first use
    // them, each used.
    int firstUnused = 0;
    List<BucketOp> charges = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] key = new byte[Short.toUnsignedInt(buffer.getShort())];
      buffer.get(key);
      long hits = buffer.getLong();
      int limit = Short.toUnsignedInt(buffer.getShort());
      if (limit > firstUnused || limit >= limitCount) {
        throw new MalformedEntryException("limit " + limit + " of " + limitCount + " out of order");
      }
      firstUnused += limit == firstUnused ? 1 : 0;
      charges.add(new BucketOp(key, hits, limits[limit], OpKind.CHARGE));
    }
    if (firstUnused != limitCount) {
      throw new MalformedEntryException((limitCount - firstUnused) + " limits unused");
    }
    if (buffer.hasRemaining()) {
      throw new MalformedEntryException(buffer.remaining() + " trailing bytes");
    }
    return new LogEntry(stampNanos, charges, id);
  }

  private static void checkHeader(byte[] encoded) {
    if (encoded.length < HEADER_BYTES || !(encoded[0] == VERSION_WITHOUT_IDS
        && encoded[1] == TYPE_OP_BATCH || encoded[0] == VERSION
        && (encoded[1] == TYPE_OP_BATCH || encoded[1] == TYPE_CHARGE_BATCH))) {
      throw new MalformedEntryException("not an entry of this codec");
    }
  }
}
