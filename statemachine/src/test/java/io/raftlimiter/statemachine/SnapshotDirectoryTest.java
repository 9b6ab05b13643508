package io.raftlimiter.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.BucketState;
import io.raftlimiter.store.AppliedMarker;
import io.raftlimiter.store.RocksDbBucketStore;
import io.raftlimiter.store.WriteSet;
import io.raftlimiter.testing.RecordingSync;
import io.raftlimiter.testing.StoreDump;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotDirectoryTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1);

  @TempDir
  Path tempDir;
  private FakeRaftStorage storage;
  private Path smDir;
  private SnapshotDirectory snapshots;
  private RocksDbBucketStore store;

  @BeforeEach
  void setUp() throws IOException {
    storage = new FakeRaftStorage(tempDir.resolve("raft"));
    smDir = storage.stateMachineDir();
    snapshots = init(2);
    store = RocksDbBucketStore.open(snapshots.databaseDir());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  private SnapshotDirectory init(int retained) throws IOException {
    SnapshotDirectory directory = new SnapshotDirectory(retained);
    directory.init(storage);
    return directory;
  }

  /** Writes one more bucket and checkpoints the store as the snapshot at {@code termIndex}. */
  private void snapshotAt(long term, long index) throws IOException {
    WriteSet writes = new WriteSet();
    writes.put(new byte[] {(byte) term, (byte) index}, new BucketState(LIMIT, index, 0, index));
    store.commit(writes, new AppliedMarker(term, index, index));
    TermIndex termIndex = TermIndex.valueOf(term, index);
    Path temp = snapshots.newTempPath(termIndex);
    store.checkpoint(temp);
    snapshots.publish(temp, termIndex);
    assertFalse(Files.exists(temp), "the temp copy was moved");
  }

  private List<String> snapshotNames() throws IOException {
    try (Stream<Path> list = Files.list(smDir.resolve("snapshots"))) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void anEmptyDirectoryHasNoSnapshot() {
    assertNull(snapshots.getLatestSnapshot());
    assertEquals(Optional.empty(), snapshots.latestPath());
    assertEquals(smDir.resolve("snapshots").toFile(), snapshots.getSnapshotDir());
    assertEquals(smDir.resolve("snapshots-tmp").toFile(), snapshots.getTmpDir());
    assertEquals(smDir.resolve("db"), snapshots.databaseDir());
    assertTrue(Files.isDirectory(smDir.resolve("snapshots")));
    assertTrue(Files.isDirectory(smDir.resolve("snapshots-tmp")));
  }

  @Test
  void publishMovesACheckpointIntoPlaceUnderItsTermAndIndex() throws IOException {
    TermIndex termIndex = TermIndex.valueOf(3, 42);
    Path temp = snapshots.newTempPath(termIndex);
    assertEquals(smDir.resolve("snapshots-tmp"), temp.getParent());
    store.checkpoint(temp);
    snapshots.publish(temp, termIndex);

    Path published = smDir.resolve("snapshots").resolve("snapshot.3_42");
    assertTrue(Files.isDirectory(published));
    assertFalse(Files.exists(temp));
    assertEquals(Optional.of(published), snapshots.latestPath());

    SnapshotInfo latest = snapshots.getLatestSnapshot();
    assertEquals(termIndex, latest.getTermIndex());
    List<FileInfo> files = ((FileListSnapshotInfo) latest).getFiles();
    assertFalse(files.isEmpty());
    for (FileInfo file : files) {
      assertTrue(file.getPath().isAbsolute(), file.getPath().toString());
      assertEquals(published.toAbsolutePath(), file.getPath().getParent());
      assertTrue(Files.isRegularFile(file.getPath()), file.getPath().toString());
    }
    assertTrue(files.stream().anyMatch(f -> f.getPath().getFileName().toString().equals("CURRENT")));
  }

  /**
   * Ratis purges the log once a snapshot is published: every file of the checkpoint and its
   * directory are forced while still under the temp path, and the snapshots directory once the
   * snapshot is in it.
   */
  @Test
  void publishForcesTheCheckpointBeforeTheMoveAndTheDirectoryAfter() throws IOException {
    RecordingSync recorded = new RecordingSync();
    snapshots = new SnapshotDirectory(2, recorded.durableFiles());
    snapshots.init(storage);
    recorded.clear();
    TermIndex termIndex = TermIndex.valueOf(2, 9);
    Path temp = snapshots.newTempPath(termIndex);
    store.checkpoint(temp);
    List<String> checkpointFiles = fileNames(temp);

    snapshots.publish(temp, termIndex);

    Path published = smDir.resolve("snapshots").resolve("snapshot.2_9");
    assertEquals(checkpointFiles, fileNames(published));
    int lastFileSync = -1;
    for (String name : checkpointFiles) {
      int at = recorded.indexOf("file", temp.resolve(name));
      assertTrue(at >= 0, name + " was forced at its temp path: " + recorded.calls());
      assertTrue(recorded.calls().get(at).existed());
      lastFileSync = Math.max(lastFileSync, at);
    }
    int tempDirSync = recorded.indexOf("dir", temp);
    int snapshotsDirSync = recorded.indexOf("dir", smDir.resolve("snapshots"));
    assertTrue(tempDirSync > lastFileSync, "the checkpoint's directory after its files");
    assertTrue(recorded.calls().get(tempDirSync).existed(), "before the move");
    assertTrue(snapshotsDirSync > tempDirSync, "the snapshots directory after the move");
    assertEquals(List.of("snapshot.2_9"), recorded.listingAt(snapshotsDirSync));
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void theLatestIsTheHighestTermThenIndex() throws IOException {
    snapshots = init(10);
    snapshotAt(1, 5);
    assertEquals(TermIndex.valueOf(1, 5), snapshots.getLatestSnapshot().getTermIndex());
    snapshotAt(2, 3);
    snapshotAt(1, 10);
    assertEquals(TermIndex.valueOf(2, 3), snapshots.getLatestSnapshot().getTermIndex());
    snapshotAt(2, 12);
    assertEquals(TermIndex.valueOf(2, 12), snapshots.getLatestSnapshot().getTermIndex());
    assertEquals(List.of("snapshot.1_10", "snapshot.1_5", "snapshot.2_12", "snapshot.2_3"), snapshotNames());
  }

  @Test
  void onlyTheNewestRetainedSnapshotsAreKept() throws IOException {
    snapshotAt(1, 1);
    snapshotAt(1, 2);
    snapshotAt(1, 3);
    snapshotAt(2, 4);
    assertEquals(List.of("snapshot.1_3", "snapshot.2_4"), snapshotNames());
    assertEquals(TermIndex.valueOf(2, 4), snapshots.getLatestSnapshot().getTermIndex());
    snapshots.cleanupOldSnapshots(null);
    assertEquals(List.of("snapshot.1_3", "snapshot.2_4"), snapshotNames());
  }

  @Test
  void publishingASnapshotThatExistsKeepsTheExistingOne() throws IOException {
    snapshotAt(1, 7);
    List<String> firstContents = snapshotContents(TermIndex.valueOf(1, 7));
    Path temp = snapshots.newTempPath(TermIndex.valueOf(1, 7));
    Files.createDirectories(temp);
    Files.writeString(temp.resolve("stray"), "x");
    snapshots.publish(temp, TermIndex.valueOf(1, 7));
    assertFalse(Files.exists(temp));
    assertEquals(firstContents, snapshotContents(TermIndex.valueOf(1, 7)));
  }

  private List<String> snapshotContents(TermIndex termIndex) throws IOException {
    try (Stream<Path> list = Files.list(smDir.resolve("snapshots").resolve(SnapshotDirectory.nameOf(termIndex)))) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void restoreIntoBuildsADatabaseWithTheSameContents() throws IOException {
    snapshotAt(1, 1);
    snapshotAt(4, 9);
    List<String> expected = StoreDump.of(store);
    AppliedMarker expectedMarker = store.appliedMarker();
    store.close();

    Path restoredDir = tempDir.resolve("restored");
    Files.createDirectories(restoredDir);
    Files.writeString(restoredDir.resolve("stale-file"), "left over from before");
    SnapshotDirectory.restoreInto(snapshots.getLatestSnapshot(), snapshots.latestPath().orElseThrow(), restoredDir);
    assertFalse(Files.exists(restoredDir.resolve("stale-file")));
    try (RocksDbBucketStore restored = RocksDbBucketStore.open(restoredDir)) {
      assertEquals(expected, StoreDump.of(restored));
      assertEquals(expectedMarker, restored.appliedMarker());
    }
    store = RocksDbBucketStore.open(snapshots.databaseDir()); // for tearDown
  }

  @Test
  void digestFilesAreNeitherListedNorRestored() throws IOException {
    snapshotAt(2, 2);
    Path published = snapshots.latestPath().orElseThrow();
    Files.writeString(published.resolve("CURRENT.md5"), "0123456789abcdef  CURRENT");
    snapshots.refresh();
    List<FileInfo> files = ((FileListSnapshotInfo) snapshots.getLatestSnapshot()).getFiles();
    assertTrue(files.stream().noneMatch(f -> f.getPath().toString().endsWith(".md5")));
    assertTrue(files.stream().anyMatch(f -> f.getPath().getFileName().toString().equals("CURRENT")));

    Path restoredDir = tempDir.resolve("restored");
    SnapshotDirectory.restoreInto(snapshots.getLatestSnapshot(), published, restoredDir);
    assertFalse(Files.exists(restoredDir.resolve("CURRENT.md5")));
    assertTrue(Files.exists(restoredDir.resolve("CURRENT")));
    try (RocksDbBucketStore restored = RocksDbBucketStore.open(restoredDir)) {
      assertEquals(new AppliedMarker(2, 2, 2), restored.appliedMarker());
    }
  }

  @Test
  void refreshFindsASnapshotInstalledBehindItsBackAndIgnoresOtherNames() throws IOException {
    Path snapshotsDir = smDir.resolve("snapshots");
    Files.createDirectories(snapshotsDir.resolve("snapshot.9_x"));
    Files.createDirectories(snapshotsDir.resolve("other"));
    Files.writeString(snapshotsDir.resolve("snapshot.9_9"), "a file, not a snapshot");
    store.checkpoint(snapshotsDir.resolve("snapshot.5_50"));
    assertNull(snapshots.getLatestSnapshot(), "not seen before a refresh");
    snapshots.refresh();
    assertEquals(TermIndex.valueOf(5, 50), snapshots.getLatestSnapshot().getTermIndex());

    SnapshotDirectory reopened = init(2);
    assertEquals(TermIndex.valueOf(5, 50), reopened.getLatestSnapshot().getTermIndex());
  }

  @Test
  void retainedMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new SnapshotDirectory(0));
  }
}
