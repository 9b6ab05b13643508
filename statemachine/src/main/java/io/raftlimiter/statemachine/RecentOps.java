package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.BucketOp;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.MalformedEntryException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;

/**
 * The outcomes of the ops that carried an id, by op and id, for {@link #WINDOW_NANOS} of entry
 * time after they were applied: an op seen again within it (a caller's retry through another
 * node, or an attempt that committed after its caller had given up on it) is answered from the
 * first outcome and changes nothing.
 *
 * <p>Part of the replicated state, so deterministic: it changes only in apply, with the entries'
 * times; it is kept in apply order, which with one window for all is expiry order; and it goes
 * into every snapshot ({@link #encode}).
 *
 * <p>Bounded in bytes whatever the callers send. An op is remembered by a 128-bit digest of its
 * key, id, kind, permits and limit (SHA-256, so that no caller can make its op collide with
 * another's; see {@link #recall}), so a record has the same size however long the key and id
 * are; and at most {@link #MAX_REMEMBERED} are kept, the oldest forgotten first, before its
 * window ends, once the table is full. That holds the table to about 15 MiB of heap (flat arrays,
 * no object per record: {@link OutcomeRing}) and 13 MiB in a snapshot per group; the window then
 * lasts as long as that many ops take (at 10,000 ops with ids a second, 26 s). Both bounds are
 * constants, not settings: replicas with different bounds would answer the same retry
 * differently.
 */
public final class RecentOps {
  /**
   * How long an outcome is remembered, in entry time. A constant, not a setting: replicas with
   * different windows would answer the same retry differently. It outlasts any caller's retries
   * (a request is bounded by its deadline, and ops still queued past it are dropped before the
   * log), with room for a slow commit.
   */
  public static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** Outcomes remembered at most; past it the oldest is forgotten early. */
  public static final int MAX_REMEMBERED = 1 << 18;
  /** Marks the digest format in {@link #encode}; the format before it began with a count >= 0. */
  private static final int FORMAT_DIGESTS = -1;
  private static final int RECORD_BYTES = 8 + 8 + 8 + 1 + 8 + 8 + 8;

  /** What a charge batch is remembered with: only that it was applied counts. */
  private static final Decision BATCH_APPLIED = new Decision(true, 0, 0, 0);

  private final OutcomeRing outcomes;
  /** Used by the one applying thread only, as the whole table is. */
  private final MessageDigest sha256 = sha256();
  /** Written by the applying thread only; volatile for the metrics that read it. */
  private volatile long forgottenEarly;
  /** The op whose digest {@link #high} and {@link #low} are: apply recalls, then remembers. */
  private BucketOp lastOp;
  private long high;
  private long low;

  public RecentOps() {
    this(MAX_REMEMBERED);
  }

  /** A table with a smaller bound, for tests that reach it. */
  RecentOps(int maxRemembered) {
    this.outcomes = new OutcomeRing(maxRemembered);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Computes {@code op}'s digest once for the recall and the remember that follows it. */
  private void digestOnce(BucketOp op) {
    if (op != lastOp) {
      digest(op);
      lastOp = op;
    }
  }

  /**
   * The first 128 bits of SHA-256 over what makes an op the same op, into {@link #high} and
   * {@link #low}: its key, id, kind, permits and limit. An id reused for another op (more
   * permits, another limit) is another op.
   */
  private void digest(BucketOp op) {
    byte[] key = op.key();
    byte[] id = op.id();
    ByteBuffer fields = ByteBuffer.allocate(2 + key.length + 1 + id.length + 1 + 8 + 8 + 8);
    fields.putShort((short) key.length).put(key).put((byte) id.length).put(id)
        .put((byte) op.kind().ordinal()).putLong(op.permits())
        .putLong(op.limit().capacity()).putLong(op.limit().refillMicrosPerSecond());
    keep(sha256.digest(fields.array()));
  }

  /**
   * A charge batch's digest, into {@link #high} and {@link #low}: over a tag no op's digest
   * starts with (an op's starts with its key's length, never 0xFFFF), its id and each charge's
   * key, hits and limit, in order.
   */
  private void digest(LogEntry batch) {
    byte[] id = batch.batchId();
    ByteBuffer head = ByteBuffer.allocate(2 + 1 + id.length + 4);
    head.putShort((short) 0xFFFF).put((byte) id.length).put(id).putInt(batch.ops().size());
    sha256.update(head.array());
    ByteBuffer fields = ByteBuffer.allocate(2 + BucketOp.MAX_KEY_BYTES + 8 + 8 + 8);
    for (BucketOp charge : batch.ops()) {
      fields.clear();
      fields.putShort((short) charge.key().length).put(charge.key()).putLong(charge.permits())
          .putLong(charge.limit().capacity()).putLong(charge.limit().refillMicrosPerSecond());
      sha256.update(fields.array(), 0, fields.position());
    }
    keep(sha256.digest());
  }

  private void keep(byte[] sha256) {
    ByteBuffer hash = ByteBuffer.wrap(sha256);
    high = hash.getLong();
    low = hash.getLong();
  }

  /**
   * The first outcome of the op {@code op} repeats (the same id, key, kind, permits and limit),
   * marked as replayed; null when none is remembered.
   */
  public Decision recall(BucketOp op) {
    if (!op.hasId()) {
      return null;
    }
    digestOnce(op);
    int position = outcomes.find(high, low);
    return position < 0 ? null : outcomes.decision(position, true);
  }

  /**
   * Remembers the outcome of {@code op}, applied at {@code nowNanos}, if it has an id; when the
   * table is full, the oldest outcome is forgotten.
   */
  public void remember(BucketOp op, Decision decision, long nowNanos) {
    if (op.hasId()) {
      digestOnce(op);
      if (outcomes.find(high, low) < 0) {
        add(decision, nowNanos + WINDOW_NANOS);
      }
    }
  }

  /**
   * Whether the charge batch {@code batch} repeats one applied within the window (the same id and
   * charges); remembers it, applied at {@code nowNanos}, when it does not. One record per batch,
   * however many keys it charges.
   */
  public boolean seenBatch(LogEntry batch, long nowNanos) {
    digest(batch);
    lastOp = null;
    if (outcomes.find(high, low) >= 0) {
      return true;
    }
    add(BATCH_APPLIED, nowNanos + WINDOW_NANOS);
    return false;
  }

  /** Adds the record for the digest in {@link #high} and {@link #low}, forgetting the oldest. */
  private void add(Decision decision, long expiresNanos) {
    if (outcomes.isFull()) {
      outcomes.removeOldest();
      forgottenEarly++;
    }
    outcomes.add(high, low, expiresNanos, decision);
  }

  /** Forgets the outcomes whose window has passed by {@code nowNanos}. */
  public void expire(long nowNanos) {
    while (outcomes.size() > 0 && outcomes.oldestExpires() <= nowNanos) {
      outcomes.removeOldest();
    }
  }

  public int size() {
    return outcomes.size();
  }

  /**
   * Outcomes this replica forgot before their window ended because the table was full, since it
   * started: when it grows, retries later than the table's span may be charged again.
   */
  public long forgottenEarly() {
    return forgottenEarly;
  }

  /**
   * The table as bytes, in apply order: {@code -1:i32 count:i32 count x { digest:i64 i64
   * expiresNanos:i64 allowed:u8 remaining:i64 retryAfterMillis:i64 granted:i64 }}. At most
   * {@link #MAX_REMEMBERED} records, so about 13 MiB.
   */
  public byte[] encode() {
    ByteBuffer buffer = ByteBuffer.allocate(8 + outcomes.size() * RECORD_BYTES);
    buffer.putInt(FORMAT_DIGESTS).putInt(outcomes.size());
    outcomes.forEach((high, low, expires, allowed, remaining, retryAfter, granted) ->
        buffer.putLong(high).putLong(low).putLong(expires).put((byte) (allowed ? 1 : 0))
            .putLong(remaining).putLong(retryAfter).putLong(granted));
    return buffer.array();
  }

  /**
   * The table {@link #encode} wrote; an empty one for {@code null}, and for a table saved before
   * outcomes were kept by digest (it began with a count, never negative): its records cannot be
   * matched to ops any more, so a retry of one of them is charged again, once (under-admission).
   * A saved table larger than the bound keeps its newest records.
   */
  public static RecentOps decode(byte[] encoded) {
    RecentOps table = new RecentOps();
    if (encoded == null) {
      return table;
    }
    try {
      ByteBuffer buffer = ByteBuffer.wrap(encoded);
      if (buffer.getInt() != FORMAT_DIGESTS) {
        return table;
      }
      int count = buffer.getInt();
      if (count < 0 || count > buffer.remaining() / RECORD_BYTES) {
        throw new MalformedEntryException("bad count of recent ops " + count);
      }
      for (int i = 0; i < count; i++) {
        long high = buffer.getLong();
        long low = buffer.getLong();
        long expires = buffer.getLong();
        byte allowed = buffer.get();
        Decision decision = new Decision(allowed == 1, buffer.getLong(), buffer.getLong(),
            buffer.getLong());
        if (table.outcomes.find(high, low) < 0) {
          if (table.outcomes.isFull()) {
            table.outcomes.removeOldest();
          }
          table.outcomes.add(high, low, expires, decision);
        }
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
