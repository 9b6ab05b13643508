package io.raftlimiter.entry;

import io.raftlimiter.bucket.Decision;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The reply to an applied entry: one decision per op, in op order.
 *
 * <pre>  count:i32  count x { allowed:u8  remaining:i64  retryAfterMillis:i64  granted:i64 }</pre>
 */
public final class DecisionCodec {
  private static final int DECISION_BYTES = 1 + 8 + 8 + 8;

  private DecisionCodec() {}

  public static byte[] encode(List<Decision> decisions) {
    ByteBuffer buffer = ByteBuffer.allocate(4 + decisions.size() * DECISION_BYTES);
    buffer.putInt(decisions.size());
    for (Decision d : decisions) {
      buffer.put((byte) (d.allowed() ? 1 : 0)).putLong(d.remaining()).putLong(d.retryAfterMillis())
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
        byte allowed = buffer.get();
        if (allowed != 0 && allowed != 1) {
          throw new MalformedEntryException("bad allowed flag " + allowed);
        }
        decisions.add(new Decision(allowed == 1, buffer.getLong(), buffer.getLong(), buffer.getLong()));
      }
      return decisions;
    } catch (BufferUnderflowException e) {
      throw new MalformedEntryException("truncated decisions", e);
    }
  }
}
