package io.raftlimiter.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.raftlimiter.testing.RecordingSync;
import io.raftlimiter.testing.RecordingSync.Call;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bytes are forced before a rename, the directory after it; the real fsync runs on both kinds. */
class DurableFilesTest {
  @TempDir
  Path dir;
  private final RecordingSync recorded = new RecordingSync();
  private final DurableFiles durable = recorded.durableFiles();

  @Test
  void writeAtomicallyForcesTheTempFileThenMovesItThenForcesTheDirectory() throws IOException {
    Path temp = dir.resolve("meta.tmp");
    Path target = dir.resolve("meta");
    Files.writeString(target, "old");

    durable.writeAtomically(temp, target, new byte[] {1, 2, 3});

    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertFalse(Files.exists(temp));
    assertEquals(List.of(
        new Call("file", temp.toAbsolutePath(), true),
        new Call("dir", dir.toAbsolutePath(), true)), recorded.calls());
  }

  @Test
  void syncTreeForcesEveryFileThenEveryDirectoryDeepestFirst() throws IOException {
    Path root = dir.resolve("checkpoint");
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("CURRENT"), "x");
    Files.writeString(root.resolve("sub").resolve("000001.sst"), "y");

    durable.syncTree(root);

    assertEquals(List.of(
        new Call("file", root.resolve("sub").resolve("000001.sst").toAbsolutePath(), true),
        new Call("file", root.resolve("CURRENT").toAbsolutePath(), true),
        new Call("dir", root.resolve("sub").toAbsolutePath(), true),
        new Call("dir", root.toAbsolutePath(), true)), recorded.calls());
  }

  @Test
  void aMoveBetweenDirectoriesForcesBoth() throws IOException {
    Path from = Files.createDirectories(dir.resolve("tmp")).resolve("snap");
    Path to = Files.createDirectories(dir.resolve("snapshots")).resolve("snap");
    Files.createDirectories(from);

    durable.moveAtomically(from, to);

    assertEquals(List.of(
        new Call("dir", dir.resolve("snapshots").toAbsolutePath(), true),
        new Call("dir", dir.resolve("tmp").toAbsolutePath(), true)), recorded.calls());
  }

  @Test
  void theRealFsyncForcesFilesAndDirectories() throws IOException {
    Path root = Files.createDirectories(dir.resolve("tree"));
    Files.writeString(root.resolve("f"), "x");
    DurableFiles.system().syncTree(root);
    DurableFiles.system().writeAtomically(dir.resolve("a.tmp"), dir.resolve("a"), new byte[] {7});
    assertArrayEquals(new byte[] {7}, Files.readAllBytes(dir.resolve("a")));
  }
}
