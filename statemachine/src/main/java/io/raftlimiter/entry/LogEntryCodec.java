package io.raftlimiter.entry;

import io.raftlimiter.bucket.BucketLimit;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

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
 * The stamp sits at a fixed offset so the leader can stamp an encoded entry in place. Version 2,
 * the same without op ids, is still read: logs written before ids existed replay as they were.
 */
public final class LogEntryCodec {
  static final byte VERSION = 3;
  /** The version before op ids, still decoded. */
  static final byte VERSION_WITHOUT_IDS = 2;
  /** An entry holding a batch of bucket ops of any kind (named for acquires once; still 1). */
  static final byte TYPE_OP_BATCH = 1;
  static final int STAMP_OFFSET = 2;
  public static final int HEADER_BYTES = 2 + 8 + 4;
  private static final int FIXED_OP_BYTES_WITHOUT_IDS = 1 + 2 + 8 + 8 + 8;
  private static final int FIXED_OP_BYTES = FIXED_OP_BYTES_WITHOUT_IDS + 1;
  /** An upper bound on ops per entry, so that a corrupt count cannot allocate without limit. */
  public static final int MAX_OPS = 1 << 20;

  private LogEntryCodec() {}

  public static byte[] encode(LogEntry entry) {
    return encode(entry.stampNanos(), entry.ops());
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

  private static void checkHeader(byte[] encoded) {
    if (encoded.length < HEADER_BYTES || (encoded[0] != VERSION && encoded[0] != VERSION_WITHOUT_IDS)
        || encoded[1] != TYPE_OP_BATCH) {
      throw new MalformedEntryException("not an acquire-batch entry");
    }
  }
}
