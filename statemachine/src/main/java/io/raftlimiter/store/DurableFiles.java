package io.raftlimiter.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Publishes files so that a power cut leaves either the old state or the whole new one.
 *
 * <p>Why: Ratis purges its log up to a snapshot once the state machine reports it taken. A rename
 * or a write that is only in the page cache can vanish in a power cut while the purge (which Ratis
 * syncs) survives, leaving a replica with neither the entries nor the snapshot that replaced them.
 * So the bytes are forced before the rename, and the directory holding the new name is forced
 * after it, before the snapshot is reported.
 *
 * <p>The two fsync calls go through a {@link Sync}, so that tests can record their order.
 */
public final class DurableFiles {
  /** The two ways of forcing to disk; {@link #FSYNC} in production. */
  public interface Sync {
    void file(Path file) throws IOException;

    void directory(Path dir) throws IOException;
  }

  /** fsync(2) through {@link FileChannel#force}; a directory is opened for reading (Linux, macOS). */
  public static final Sync FSYNC = new Sync() {
    @Override
    public void file(Path file) throws IOException {
      force(file);
    }

    @Override
    public void directory(Path dir) throws IOException {
      force(dir);
    }
  };

  private static final DurableFiles SYSTEM = new DurableFiles(FSYNC);

  private final Sync sync;

  public DurableFiles(Sync sync) {
    this.sync = sync;
  }

  /** Publishing with real fsync calls. */
  public static DurableFiles system() {
    return SYSTEM;
  }

  /**
   * Forces every file under {@code root}, then every directory deepest first, {@code root} last:
   * for a tree written by another library (a RocksDB checkpoint) whose syncing we do not rely on.
   */
  public void syncTree(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(root)) {
      all = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : all) {
      if (Files.isRegularFile(path)) {
        sync.file(path);
      }
    }
    for (Path path : all) {
      if (Files.isDirectory(path)) {
        sync.directory(path);
      }
    }
  }

  /**
   * Renames {@code from} to {@code to} atomically, then forces the directory that now holds the
   * name (and the one it left, when another), so the rename survives a power cut.
   */
  public void moveAtomically(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    Path target = to.toAbsolutePath().getParent();
    sync.directory(target);
    Path source = from.toAbsolutePath().getParent();
    if (!source.equals(target)) {
      sync.directory(source);
    }
  }

  /**
   * Writes {@code bytes} to {@code temp}, forces them, and moves {@code temp} onto {@code target}
   * atomically ({@link #moveAtomically}): a reader finds the old file or the whole new one.
   */
  public void writeAtomically(Path temp, Path target, byte[] bytes) throws IOException {
    Files.write(temp, bytes);
    sync.file(temp);
    moveAtomically(temp, target);
  }

  /** Forces the directory entry of {@code path} itself, once it was created. */
  public void syncParent(Path path) throws IOException {
    sync.directory(path.toAbsolutePath().getParent());
  }

  private static void force(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
