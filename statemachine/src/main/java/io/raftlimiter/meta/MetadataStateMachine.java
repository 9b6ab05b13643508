package io.raftlimiter.meta;

import io.raftlimiter.statemachine.SnapshotInstallLifeCycle;
import io.raftlimiter.store.DurableFiles;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of the metadata group: {@link ClusterMetadata}, small enough to live in
 * memory and be written whole to one snapshot file. Commands are checked before replication and
 * applied by {@link ClusterMetadata#apply}, deterministically; a refused command changes nothing
 * and its reply says why. Reads ({@code query}) return the whole metadata.
 *
 * <p>A snapshot is written to a temp file, forced to disk, moved into place and its directory
 * forced ({@link DurableFiles}) before Ratis is told of it: Ratis then purges the log, and a power
 * cut of a majority must not leave them with neither the entries nor the snapshot.
 */
public final class MetadataStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(MetadataStateMachine.class);
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final DurableFiles durable;
  private final List<Consumer<ClusterMetadata>> listeners = new CopyOnWriteArrayList<>();
  private volatile ClusterMetadata metadata = ClusterMetadata.EMPTY;
  private volatile EncodedRead lastRead;

  public MetadataStateMachine() {
    this(DurableFiles.system());
  }

  /** @param durable how snapshots are forced to disk; a recording fake in tests */
  public MetadataStateMachine(DurableFiles durable) {
    this.durable = durable;
  }

  /** Calls {@code listener} with the metadata after every change this replica applies. */
  public void onChange(Consumer<ClusterMetadata> listener) {
    listeners.add(listener);
    listener.accept(metadata);
  }

  public ClusterMetadata metadata() {
    return metadata;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      storage.init(raftStorage);
      loadLatestSnapshot();
    });
  }

  @Override
  public synchronized void pause() {
    SnapshotInstallLifeCycle.pause(getLifeCycle());
  }

  @Override
  public synchronized void reinitialize() throws IOException {
    loadLatestSnapshot(); // installed from the leader
    SnapshotInstallLifeCycle.resume(getLifeCycle());
  }

  private synchronized void loadLatestSnapshot() throws IOException {
    storage.loadLatestSnapshot();
    SingleFileSnapshotInfo latest = storage.getLatestSnapshot();
    if (latest == null) {
      publish(ClusterMetadata.EMPTY);
      setLastAppliedTermIndex(null);
      return;
    }
    byte[] bytes = Files.readAllBytes(latest.getFile().getPath());
    try {
      publish(MetaCodec.decodeMetadata(bytes));
    } catch (IllegalArgumentException e) {
      throw new IOException("corrupt metadata snapshot " + latest.getFile().getPath(), e);
    }
    setLastAppliedTermIndex(latest.getTermIndex());
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  @Override
  public synchronized long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null) {
      return -1;
    }
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path temp = file.toPath().resolveSibling(file.getName() + ".tmp");
    durable.writeAtomically(temp, file.toPath(), MetaCodec.encode(metadata));
    // A missing digest file reads as no digest (MD5FileUtil), so it may follow the snapshot.
    FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
    storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, last));
    return last.getIndex();
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext trx = super.startTransaction(request);
    try {
      MetaCommand command =
          MetaCodec.decodeCommand(request.getMessage().getContent().toByteArray());
      MetaCommand plain = command instanceof MetaCommand.Fenced fenced ? fenced.command() : command;
      String invalid = invalidBeforeLogging(plain, metadata);
      if (invalid != null) {
        throw new IllegalArgumentException(invalid);
      }
    } catch (IllegalArgumentException e) {
      trx.setException(e); // refused before replication: apply never meets a malformed entry
    }
    return trx;
  }

  /**
   * Why the leader refuses {@code command} before it is logged, judged by the metadata it has
   * applied, or null. Apply checks again, against the metadata the entry meets: this check only
   * keeps what is bound to be refused out of the log.
   */
  private static String invalidBeforeLogging(MetaCommand command, ClusterMetadata applied) {
    if (command instanceof MetaCommand.AddMember add) {
      return MemberSpec.problem(add.spec());
    }
    if (command instanceof MetaCommand.SetRule set) {
      return applied.invalidRule(set);
    }
    if (command instanceof MetaCommand.RemoveRule remove) {
      return ClusterMetadata.invalidPrefix(remove.prefix());
    }
    return null;
  }

  @Override
  public synchronized CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    TermIndex termIndex = TermIndex.valueOf(entry);
    String refusal;
    try {
      MetaCommand command =
          MetaCodec.decodeCommand(entry.getStateMachineLogEntry().getLogData().toByteArray());
      MetaReply outcome =
          metadata.apply(command, termIndex.getTerm(), termIndex.getIndex());
      publish(outcome.metadata());
      refusal = outcome.refusal();
    } catch (IllegalArgumentException e) {
      refusal = "malformed metadata command: " + e.getMessage();
    } catch (RuntimeException e) {
      // Deterministic like the rest of apply, so every replica refuses alike; thrown, it would
      // stop this replica, and every other one on replaying the same entry.
      LOG.error("{}: applying metadata entry {} failed; refused", getId(), termIndex, e);
      refusal = "could not apply the command: " + e;
    }
    updateLastAppliedTermIndex(termIndex);
    return CompletableFuture.completedFuture(Message.valueOf(
        ByteString.copyFrom(MetaCodec.encodeOutcome(refusal, metadata.version()))));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(readReply(metadata));
  }

  /**
   * The reply to a read of {@code current}, encoded once per version: every node reads the
   * metadata every second, and it mostly has not changed.
   */
  private Message readReply(ClusterMetadata current) {
    EncodedRead last = lastRead;
    if (last == null || last.metadata() != current) {
      last = new EncodedRead(current, Message.valueOf(
          ByteString.copyFrom(MetaCodec.encodeReply(null, current))));
      lastRead = last; // a race encodes one version twice, no more
    }
    return last.reply();
  }

  private record EncodedRead(ClusterMetadata metadata, Message reply) {}

  /** Installs {@code next} and tells the listeners; a listener that throws is logged, no more. */
  private void publish(ClusterMetadata next) {
    metadata = next;
    for (Consumer<ClusterMetadata> listener : listeners) {
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        LOG.error("{}: a metadata listener failed on version {}", getId(), next.version(), e);
      }
    }
  }
}
