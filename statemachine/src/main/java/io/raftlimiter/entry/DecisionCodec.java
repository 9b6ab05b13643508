package io.raftlimiter.entry;

import io.raftlimiter.bucket.Decision;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply to an applied entry: one decision per op, in op order.
 *
 * <pre>  count:i32  count x { flags:u8  remaining:i64  retryAfterMillis:i64  granted:i64 }</pre>
 *
 * <p>Flags: bit 0 allowed, bit 1 replayed (the decision of an earlier op with the same id).
 */
public final class DecisionCodec {
  private static final int DECISION_BYTES = 1 + 8 + 8 + 8;
  private static final int ALLOWED = 1;
  private static final int REPLAYED = 2;

  private DecisionCodec() {}

  public static byte[] encode(List<Decision> decisions) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + decisions.size() * DECISION_BYTES);
    buffer.putInt(decisions.size());
    for (Decision d : decisions) {
      int flags = (d.allowed() ? ALLOWED : 0) | (d.replayed() ? REPLAYED : 0);
      buffer.put((byte) flags).putLong(d.remaining()).putLong(d.retryAfterMillis())
          .putLong(d.granted());
    }
    return buffer.array();
  }

  public static List<Decision> decode(ByteBuffer buffer) {
    try {
      int count = buffer.getInt();
      if (count < 0 || count > buffer.remaining() / DECISION_BYTES) {
        throw new MalformedEntryException("bad decision count " + count);
      }
      List<Decision> decisions = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte flags = buffer.get();
        if ((flags & ~(ALLOWED | REPLAYED)) != 0) {
          throw new MalformedEntryException("bad decision flags " + flags);
        }
        decisions.add(new Decision((flags & ALLOWED) != 0, buffer.getLong(), buffer.getLong(),
            buffer.getLong(), (flags & REPLAYED) != 0));
      }
      return decisions;
    } catch (BufferUnderflowException e) {
      throw new MalformedEntryException("truncated decisions", e);
    }
  }
}
