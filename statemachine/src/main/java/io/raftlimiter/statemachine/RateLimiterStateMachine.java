package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.MalformedEntryException;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import io.raftlimiter.store.RocksDbMemory;
import io.raftlimiter.store.WriteBehindBucketStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis adapter for one group's buckets: a thin layer over {@link EntryApplier} and a
 * {@link WriteBehindBucketStore} (a table in memory, written to RocksDB in bulk).
 *
 * <ul>
 *   <li>{@link #startTransaction} runs on the leader only: it validates the entry and stamps it
 *       with the time, which is never below the last applied or last issued stamp, and within a
 *       skew allowance of the leader's monotonic clock ({@link LeaderClock}).
 *   <li>{@link #applyTransaction} runs on every replica, one entry at a time, in log order: decode,
 *       pure update, record the term and index. The reply carries the decisions.
 *   <li>Snapshots are RocksDB checkpoints, taken after the table in memory has been flushed and
 *       the outcomes of recent ops with ids ({@link RecentOps}) saved beside the buckets; on
 *       start and after a snapshot installation the working database is rebuilt from the latest
 *       one and Ratis replays the log after it. So the working database is never the durable copy,
 *       and writes can be held back until a flush.
 * </ul>
 */
public class RateLimiterStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimiterStateMachine.class);

  private final TimeSource clock;
  private final SnapshotDirectory snapshots;
  private final LeaderClock leaderClock;
  /** When this replica applied its last entry (or restored a snapshot), on its monotonic clock. */
  private volatile long lastAppliedMonotonicNanos;
  private final AtomicLong snapshotsInstalled = new AtomicLong();
  private final int maxPendingKeys;
  private final RocksDbMemory sharedMemory;
  private volatile WriteBehindBucketStore store;
  private volatile EntryApplier applier;
  /** Held to close {@link #store}; status reads only try it ({@link #storedBuckets}). */
  private final ReadWriteLock storeClosing = new ReentrantReadWriteLock();
  private volatile long lastStoredBuckets;

  /** The default allowance for a leader's wall clock against its monotonic clock. */
  public static final long DEFAULT_SKEW_ALLOWANCE_NANOS = 1_000_000_000L;

  public RateLimiterStateMachine(TimeSource clock, int retainedSnapshots) {
    this(clock, retainedSnapshots, WriteBehindBucketStore.DEFAULT_MAX_PENDING_KEYS,
        DEFAULT_SKEW_ALLOWANCE_NANOS);
  }

  /**
   * @param maxPendingKeys buckets held in memory before they are written to RocksDB
   * @param skewAllowanceNanos how far a leader's stamps may follow its wall clock away from the
   *     time its monotonic clock has counted ({@link LeaderClock})
   */
  public RateLimiterStateMachine(TimeSource clock, int retainedSnapshots, int maxPendingKeys,
      long skewAllowanceNanos) {
    this(clock, retainedSnapshots, maxPendingKeys, skewAllowanceNanos, null);
  }

  /**
   * @param sharedMemory the node's RocksDB cache and memtable budget, shared by its groups'
   *     stores; null: a store of its own sizes ({@link RocksDbMemory#defaults()})
   */
  public RateLimiterStateMachine(TimeSource clock, int retainedSnapshots, int maxPendingKeys,
      long skewAllowanceNanos, RocksDbMemory sharedMemory) {
    this.sharedMemory = sharedMemory;
    this.clock = clock;
    this.leaderClock = new LeaderClock(skewAllowanceNanos);
    this.snapshots = new SnapshotDirectory(retainedSnapshots);
    this.maxPendingKeys = maxPendingKeys;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      snapshots.init(raftStorage);
      restoreFromLatestSnapshot();
    });
  }

  /**
   * Called by Ratis before it writes an installed snapshot. Ratis then checks that the life cycle
   * is {@code PAUSED} before calling {@link #reinitialize()}, and closes the server if it is not.
   */
  @Override
  public synchronized void pause() {
    SnapshotInstallLifeCycle.pause(getLifeCycle());
  }

  @Override
  public synchronized void reinitialize() throws IOException {
    // Ratis installed a snapshot from the leader into the snapshot directory.
    snapshots.refresh();
    restoreFromLatestSnapshot();
    snapshotsInstalled.incrementAndGet();
    SnapshotInstallLifeCycle.resume(getLifeCycle());
    LOG.info("{}: reloaded from installed snapshot {}", getId(), getLastAppliedTermIndex());
  }

  private synchronized void restoreFromLatestSnapshot() throws IOException {
    closeStore();
    Path dbDir = snapshots.databaseDir();
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    Optional<Path> latestPath = snapshots.latestPath();
    if (latest != null && latestPath.isPresent()) {
      SnapshotDirectory.restoreInto(latest, latestPath.get(), dbDir);
    } else {
      SnapshotDirectory.deleteRecursively(dbDir);
    }
    RocksDbBucketStore rocks = sharedMemory == null ? RocksDbBucketStore.open(dbDir)
        : RocksDbBucketStore.open(dbDir, sharedMemory);
    WriteBehindBucketStore opened = new WriteBehindBucketStore(rocks, maxPendingKeys);
    store = opened;
    applier = new EntryApplier(opened, RecentOps.decode(opened.savedRecentOps()));
    AppliedMarker marker = opened.appliedMarker();
    if (latest != null) {
      setLastAppliedTermIndex(latest.getTermIndex());
    } else {
      setLastAppliedTermIndex(null);
    }
    lastAppliedMonotonicNanos = clock.monotonicNanos();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder builder =
        TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    byte[] encoded = request.getMessage().getContent().toByteArray();
    try {
      LogEntryCodec.decode(encoded); // validate before it is replicated: apply must not fail
    } catch (MalformedEntryException e) {
      TransactionContext rejected = builder.build();
      rejected.setException(e);
      return rejected;
    }
    long stamp = nextStampNanos();
    return builder
        .setLogData(UnsafeByteOperations.unsafeWrap(LogEntryCodec.withStamp(encoded, stamp)))
        .build();
  }

  /**
   * The leader's stamp: its wall clock within the skew allowance of its monotonic clock, and
   * never below what was applied or issued before ({@link LeaderClock}).
   */
  long nextStampNanos() {
    return leaderClock.next(clock.nowNanos(), clock.monotonicNanos(),
        currentStore().appliedMarker().stampNanos());
  }

  /**
   * Ratis calls this once this replica leads and has applied its predecessors' entries: its
   * stamps are anchored to the last of them from now on. A store that never applied an entry (a
   * founding leader; or one being restored from a snapshot) has no earlier time: its anchor is
   * its own wall clock now, so that a later step of that clock moves stamps by the allowance at
   * most, as for any leader, instead of locking keys out for a step back or refilling every
   * bucket for a step forward.
   */
  @Override
  public void notifyLeaderReady() {
    WriteBehindBucketStore current = store;
    long lastStamp = current == null ? 0 : current.appliedMarker().stampNanos();
    if (lastStamp != 0) {
      leaderClock.takeOffice(lastStamp, lastAppliedMonotonicNanos);
    } else {
      leaderClock.takeOffice(clock.nowNanos(), clock.monotonicNanos());
    }
  }

  /** How far this replica's wall clock was from its bound at its last stamp as leader, in ns. */
  public long clockSkewNanos() {
    return leaderClock.lastSkewNanos();
  }

  /** Stamps this replica moved, as leader, because its wall clock was beyond the allowance. */
  public long clampedStamps() {
    return leaderClock.clampedStamps();
  }

  /**
   * Outcomes of ops with ids forgotten before their window ended because the table was full
   * ({@link RecentOps#forgottenEarly}), since the table was last loaded.
   */
  public long recentOpsForgottenEarly() {
    EntryApplier current = applier;
    return current == null ? 0 : current.recentOps().forgottenEarly();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    LogEntry decoded = LogEntryCodec.decode(data.asReadOnlyByteBuffer());
    List<Decision> decisions = applier.apply(decoded, entry.getTerm(), entry.getIndex());
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    lastAppliedMonotonicNanos = clock.monotonicNanos();
    return CompletableFuture.completedFuture(
        Message.valueOf(UnsafeByteOperations.unsafeWrap(DecisionCodec.encode(decisions))));
  }

  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= last.getIndex()) {
      return latest.getIndex();
    }
    Path temp = snapshots.newTempPath(last);
    // Ratis takes snapshots between applies, on the applying thread: the table matches the store.
    currentStore().saveRecentOps(applier.recentOps().encode());
    currentStore().checkpoint(temp);
    snapshots.publish(temp, last);
    LOG.debug("{}: snapshot {} taken", getId(), last);
    return last.getIndex();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
  }

  /** When the latest snapshot was written, by the file system's clock; -1 when there is none. */
  public long latestSnapshotWrittenMillis() {
    return snapshots.latestWrittenMillis();
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  /**
   * The store this replica applies to; replaced (and the old one closed) when a snapshot is
   * installed, so callers outside the apply thread must not keep it across installations.
   */
  public BucketStore currentStore() {
    WriteBehindBucketStore current = store;
    if (current == null) {
      throw new IllegalStateException("state machine not initialized");
    }
    return current;
  }

  /**
   * Buckets stored in this replica (an estimate), for the node's status, which the controller
   * reads every 500 ms. Never waits: a snapshot installation holds this state machine for its
   * whole restore, so while one closes or replaces the store this answers the figure read last.
   * (A closed RocksDB handle must not be touched, hence the lock around the close.)
   */
  public long storedBuckets() {
    Lock reading = storeClosing.readLock();
    if (!reading.tryLock()) {
      return lastStoredBuckets;
    }
    try {
      WriteBehindBucketStore current = store;
      if (current != null) {
        lastStoredBuckets = current.approximateSize();
      }
      return lastStoredBuckets;
    } finally {
      reading.unlock();
    }
  }

  /** How many snapshots this replica received from a leader since it started. */
  public long snapshotsInstalled() {
    return snapshotsInstalled.get();
  }

  @Override
  public void close() throws IOException {
    super.close();
    closeStore();
  }

  private synchronized void closeStore() {
    Lock closing = storeClosing.writeLock();
    closing.lock(); // waits for a status read under way, never the other way round
    try {
      WriteBehindBucketStore current = store;
      store = null;
      applier = null;
      if (current != null) {
        current.close();
      }
    } finally {
      closing.unlock();
    }
  }
}
