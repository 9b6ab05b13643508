package io.raftlimiter.statemachine;

import io.raftlimiter.bucket.Decision;
import io.raftlimiter.entry.DecisionCodec;
import io.raftlimiter.entry.LogEntry;
import io.raftlimiter.entry.LogEntryCodec;
import io.raftlimiter.entry.MalformedEntryException;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.BucketStore;
import io.raftlimiter.store.RocksDbBucketStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
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
 * {@link RocksDbBucketStore}.
 *
 * <ul>
 *   <li>{@link #startTransaction} runs on the leader only: it validates the entry and stamps it
 *       with the time, which is never below the last applied or last issued stamp.
 *   <li>{@link #applyTransaction} runs on every replica, one entry at a time, in log order: decode,
 *       pure update, record the term and index. The reply carries the decisions.
 *   <li>Snapshots are RocksDB checkpoints; on start and after a snapshot installation the working
 *       database is rebuilt from the latest one and Ratis replays the log after it.
 * </ul>
 */
public class RateLimiterStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimiterStateMachine.class);

  private final TimeSource clock;
  private final SnapshotDirectory snapshots;
  private final AtomicLong lastIssuedStampNanos = new AtomicLong();
  private final AtomicLong snapshotsInstalled = new AtomicLong();
  private volatile RocksDbBucketStore store;
  private volatile EntryApplier applier;

  public RateLimiterStateMachine(TimeSource clock, int retainedSnapshots) {
    this.clock = clock;
    this.snapshots = new SnapshotDirectory(retainedSnapshots);
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
    RocksDbBucketStore opened = RocksDbBucketStore.open(dbDir);
    store = opened;
    applier = new EntryApplier(opened);
    AppliedMarker marker = opened.appliedMarker();
    if (latest != null) {
      setLastAppliedTermIndex(latest.getTermIndex());
    } else {
      setLastAppliedTermIndex(null);
    }
    lastIssuedStampNanos.accumulateAndGet(marker.stampNanos(), Math::max);
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

  /** The leader's stamp: its clock, but never below what was applied or issued before. */
  long nextStampNanos() {
    long floor = Math.max(clock.nowNanos(), currentStore().appliedMarker().stampNanos());
    return lastIssuedStampNanos.accumulateAndGet(floor, Math::max);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    ByteString data = entry.getStateMachineLogEntry().getLogData();
    LogEntry decoded = LogEntryCodec.decode(data.asReadOnlyByteBuffer());
    List<Decision> decisions = applier.apply(decoded, entry.getTerm(), entry.getIndex());
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
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
    currentStore().checkpoint(temp);
    snapshots.publish(temp, last);
    LOG.debug("{}: snapshot {} taken", getId(), last);
    return last.getIndex();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return snapshots.getLatestSnapshot();
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
    RocksDbBucketStore current = store;
    if (current == null) {
      throw new IllegalStateException("state machine not initialized");
    }
    return current;
  }

  /**
   * Buckets stored in this replica (an estimate), for status pages. Synchronized with the restore
   * after a snapshot installation, which closes the store: a closed RocksDB handle must not be
   * touched from another thread.
   */
  public synchronized long storedBuckets() {
    RocksDbBucketStore current = store;
    return current == null ? 0 : current.approximateSize();
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
    RocksDbBucketStore current = store;
    store = null;
    applier = null;
    if (current != null) {
      current.close();
    }
  }
}
