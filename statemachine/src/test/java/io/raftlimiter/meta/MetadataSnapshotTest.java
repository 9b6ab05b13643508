package io.raftlimiter.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.statemachine.FakeRaftStorage;
import io.raftlimiter.testing.FakeRaftServer;
import io.raftlimiter.testing.RecordingSync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata snapshot is on disk before Ratis purges the log up to it: the temp file forced,
 * then moved, then its directory forced.
 */
class MetadataSnapshotTest {
  private static final ClusterShape SHAPE =
      new ClusterShape(List.of("n1=127.0.0.1:1:2", "n2=127.0.0.1:3:4"), 8, 2);
  private static final RaftGroupId GROUP = RaftGroupId.randomId();

  @TempDir
  Path tempDir;

  private MetadataStateMachine started(FakeRaftStorage storage, RecordingSync sync)
      throws IOException {
    Files.createDirectories(storage.stateMachineDir());
    MetadataStateMachine machine = new MetadataStateMachine(sync.durableFiles());
    machine.initialize(FakeRaftServer.withId(RaftPeerId.valueOf("n1")), GROUP, storage);
    return machine;
  }

  private static void apply(MetadataStateMachine machine, long index, MetaCommand command) {
    LogEntryProto entry = LogEntryProto.newBuilder().setTerm(1).setIndex(index)
        .setStateMachineLogEntry(StateMachineLogEntryProto.newBuilder()
            .setLogData(ByteString.copyFrom(MetaCodec.encode(command))))
        .build();
    machine.applyTransaction(TransactionContext.newBuilder().setServerRole(RaftPeerRole.FOLLOWER)
        .setStateMachine(machine).setLogEntry(entry).build()).join();
  }

  @Test
  void aSnapshotIsForcedThenMovedThenItsDirectoryForced() throws IOException {
    FakeRaftStorage storage = new FakeRaftStorage(tempDir.resolve("raft"));
    RecordingSync recorded = new RecordingSync();
    MetadataStateMachine machine = started(storage, recorded);
    apply(machine, 1, new MetaCommand.RecordShape(SHAPE));

    assertEquals(1, machine.takeSnapshot());

    Path smDir = storage.stateMachineDir();
    Path temp = smDir.resolve("snapshot.1_1.tmp");
    int fileSync = recorded.indexOf("file", temp);
    int dirSync = recorded.indexOf("dir", smDir);
    assertTrue(fileSync >= 0 && recorded.calls().get(fileSync).existed(),
        "the temp file was forced before the move: " + recorded.calls());
    assertTrue(dirSync > fileSync, "the directory after: " + recorded.calls());
    assertTrue(recorded.listingAt(dirSync).contains("snapshot.1_1"), "the move came first");
    assertFalse(recorded.listingAt(dirSync).contains("snapshot.1_1.tmp"));

    MetadataStateMachine restarted = started(storage, new RecordingSync());
    assertEquals(SHAPE, restarted.metadata().shape(), "the snapshot reads back");
  }
}
