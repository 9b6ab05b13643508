package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.MalformedEntryException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The outcomes of the ops that carried an id, by key and id, for {@link #WINDOW_NANOS} of entry
 * time after they were applied: an op seen again within it (a caller's retry through another
 * node, or an attempt that committed after its caller had given up on it) is answered from the
 * first outcome and changes nothing.
 *
 * <p>Part of the replicated state, so deterministic: it changes only in apply, with the entries'
 * times; it is kept in apply order, which with one window for all is expiry order; and it goes
 * into every snapshot ({@link #encode}). Memory follows the rate of ops with ids times the
 * window (about 150 bytes an op), not the number of keys.
 */
public final class RecentOps {
  /**
   * How long an outcome is remembered, in entry time. A constant, not a setting: replicas with
   * different windows would answer the same retry differently. It outlasts any caller's retries
   * (a request is bounded by its deadline, and ops still queued past it are dropped before the
   * log), with room for a slow commit.
   */
  public static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final int RECORD_BYTES = 2 + 8 + 1 + 8 + 8 + 8;

  /** An op's key and id, compared by content. */
  private record OpKey(byte[] bytes) {
    static OpKey of(BucketOp op) {
      byte[] key = op.key();
      byte[] id = op.id();
      ByteBuffer bytes = ByteBuffer.allocate(2 + key.length + id.length);
      bytes.putShort((short) key.length).put(key).put(id);
      return new OpKey(bytes.array());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof OpKey other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private record Outcome(Decision decision, long expiresNanos) {}

  private final LinkedHashMap<OpKey, Outcome> outcomes = new LinkedHashMap<>();

  /** The first outcome of an op with {@code op}'s key and id, or null when none is remembered. */
  public Decision recall(BucketOp op) {
    if (!op.hasId()) {
      return null;
    }
    Outcome outcome = outcomes.get(OpKey.of(op));
    return outcome == null ? null : outcome.decision();
  }

  /** Remembers the outcome of {@code op}, applied at {@code nowNanos}, if it has an id. */
  public void remember(BucketOp op, Decision decision, long nowNanos) {
    if (op.hasId()) {
      outcomes.putIfAbsent(OpKey.of(op), new Outcome(decision, nowNanos + WINDOW_NANOS));
    }
  }

  /** Forgets the outcomes whose window has passed by {@code nowNanos}. */
  public void expire(long nowNanos) {
    Iterator<Outcome> oldest = outcomes.values().iterator();
    while (oldest.hasNext()) {
      if (oldest.next().expiresNanos() > nowNanos) {
        return;
      }
      oldest.remove();
    }
  }

  public int size() {
    return outcomes.size();
  }

  /**
   * The table as bytes, in apply order:
   * {@code count:i32 count x { opKeyLength:u16 opKey expiresNanos:i64 allowed:u8 remaining:i64
   * retryAfterMillis:i64 granted:i64 }}.
   */
  public byte[] encode() {
    int size = 4;
    for (OpKey key : outcomes.keySet()) {
      size += RECORD_BYTES + key.bytes().length;
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    buffer.putInt(outcomes.size());
    for (Map.Entry<OpKey, Outcome> e : outcomes.entrySet()) {
      Decision d = e.getValue().decision();
      buffer.putShort((short) e.getKey().bytes().length).put(e.getKey().bytes())
          .putLong(e.getValue().expiresNanos())
          .put((byte) (d.allowed() ? 1 : 0)).putLong(d.remaining())
          .putLong(d.retryAfterMillis()).putLong(d.granted());
    }
    return buffer.array();
  }

  /** The table {@link #encode} wrote; an empty one for {@code null}. */
  public static RecentOps decode(byte[] encoded) {
    RecentOps table = new RecentOps();
    if (encoded == null) {
      return table;
    }
    try {
      ByteBuffer buffer = ByteBuffer.wrap(encoded);
      int count = buffer.getInt();
      if (count < 0 || count > buffer.remaining() / RECORD_BYTES) {
        throw new MalformedEntryException("bad count of recent ops " + count);
      }
      for (int i = 0; i < count; i++) {
        byte[] key = new byte[Short.toUnsignedInt(buffer.getShort())];
        buffer.get(key);
        long expires = buffer.getLong();
        byte allowed = buffer.get();
        Decision decision = new Decision(allowed == 1, buffer.getLong(), buffer.getLong(),
            buffer.getLong());
        table.outcomes.put(new OpKey(key), new Outcome(decision, expires));
      }
      if (buffer.hasRemaining()) {
        throw new MalformedEntryException(buffer.remaining() + " bytes after the recent ops");
      }
      return table;
    } catch (BufferUnderflowException e) {
      throw new MalformedEntryException("truncated recent ops", e);
    }
  }
}
