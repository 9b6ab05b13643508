package io.raftlimiter.statemachine;

import io.raftlimiter.store.DurableFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * The snapshots of one group's replica: RocksDB checkpoints in
 * {@code <state machine dir>/snapshots/snapshot.<term>_<index>/}, each written under
 * {@code snapshots-tmp/} first and moved into place atomically, so a snapshot either exists whole
 * or not at all. Every file of a checkpoint and its directory are forced to disk before the move
 * and the snapshots directory after it ({@link DurableFiles}): Ratis purges the log up to a
 * snapshot once it is published, so the snapshot must survive a power cut that the purge does.
 *
 * <p>The layout is also what Ratis' snapshot installation expects: it streams every file under
 * {@link #getSnapshotDir()} to a lagging follower, which receives them under {@link #getTmpDir()}
 * and swaps the whole directory in. The working database lives beside it in {@code db/}, outside
 * what an installation replaces.
 */
public final class SnapshotDirectory implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  private static final String DIGEST_SUFFIX = ".md5";

  private final int retained;
  private final DurableFiles durable;
  private volatile Path stateMachineDir;
  private volatile Latest latest = Latest.NONE;

  /**
   * The latest snapshot and when its files were last written (by the file system's clock; -1
   * when there is none), read together when the directory is read, not on every status.
   */
  private record Latest(SnapshotInfo info, long writtenMillis) {
    static final Latest NONE = new Latest(null, -1);
  }

  public SnapshotDirectory(int retained) {
    this(retained, DurableFiles.system());
  }

  /** @param durable how files are forced to disk; a recording fake in tests */
  public SnapshotDirectory(int retained, DurableFiles durable) {
    if (retained < 1) {
      throw new IllegalArgumentException("retained must be >= 1, got " + retained);
    }
    this.retained = retained;
    this.durable = durable;
  }

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    stateMachineDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
    Files.createDirectories(snapshots());
    Files.createDirectories(tmp());
    durable.syncParent(snapshots()); // both were created under the state machine dir
    refresh();
  }

  /** Where the working RocksDB lives. */
  public Path databaseDir() {
    return stateMachineDir.resolve("db");
  }

  public static String nameOf(TermIndex termIndex) {
    return "snapshot." + termIndex.getTerm() + "_" + termIndex.getIndex();
  }

  /** A fresh temp path for a snapshot being written; {@link #publish} moves it into place. */
  public Path newTempPath(TermIndex termIndex) {
    return tmp().resolve(nameOf(termIndex) + "-" + System.nanoTime());
  }

  /**
   * Forces a complete snapshot to disk, moves it into place atomically, forces the move, and
   * drops the oldest beyond retention. Once this returns, the snapshot survives a power cut.
   */
  public void publish(Path written, TermIndex termIndex) throws IOException {
    Path target = snapshots().resolve(nameOf(termIndex));
    if (Files.exists(target)) {
      deleteRecursively(written);
    } else {
      durable.syncTree(written); // RocksDB's checkpoint is not relied on to have synced it
      durable.moveAtomically(written, target);
    }
    refresh();
    deleteOldSnapshots();
  }

  /** Builds {@code dbDir} as a copy of {@code snapshot}: SST files hard-linked, the rest copied. */
  public static void restoreInto(SnapshotInfo snapshot, Path snapshotPath, Path dbDir) throws IOException {
    deleteRecursively(dbDir);
    Files.createDirectories(dbDir);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(snapshotPath)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.endsWith(DIGEST_SUFFIX)) {
          continue; // written by Ratis beside installed files, not part of the database
        }
        Path target = dbDir.resolve(name);
        if (name.endsWith(".sst")) {
          Files.createLink(target, file); // SST files are immutable: sharing them is safe
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  /** The directory of the latest snapshot, if any. */
  public Optional<Path> latestPath() {
    SnapshotInfo info = latest.info();
    return info == null ? Optional.empty() : Optional.of(snapshots().resolve(nameOf(info.getTermIndex())));
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest.info();
  }

  /**
   * When the latest snapshot was written: its newest file's time, since a RocksDB checkpoint
   * hard-links the table files it shares with the database (they keep the time they were
   * flushed) and writes only its manifest and options afresh; -1 when there is no snapshot.
   */
  public long latestWrittenMillis() {
    return latest.writtenMillis();
  }

  /** Re-reads the directory; called after Ratis installed a snapshot behind our back. */
  public void refresh() throws IOException {
    latest = findLatest();
  }

  @Override
  public void format() throws IOException {
    // Nothing to format: directories are created on init.
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    deleteOldSnapshots();
  }

  @Override
  public File getSnapshotDir() {
    return snapshots().toFile();
  }

  @Override
  public File getTmpDir() {
    return tmp().toFile();
  }

  private Path snapshots() {
    return stateMachineDir.resolve("snapshots");
  }

  private Path tmp() {
    return stateMachineDir.resolve("snapshots-tmp");
  }

  private Latest findLatest() throws IOException {
    Optional<Candidate> best = candidates().stream().max(Comparator.comparing(Candidate::termIndex));
    if (best.isEmpty()) {
      return Latest.NONE;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.list(best.get().path())) {
      paths = walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().endsWith(DIGEST_SUFFIX))
          .sorted()
          .toList();
    }
    List<FileInfo> files = new ArrayList<>();
    long written = -1;
    for (Path path : paths) {
      files.add(new FileInfo(path.toAbsolutePath(), null));
      written = Math.max(written, Files.getLastModifiedTime(path).toMillis());
    }
    return new Latest(new FileListSnapshotInfo(files, best.get().termIndex()), written);
  }

  private void deleteOldSnapshots() throws IOException {
    List<Candidate> all = candidates();
    all.sort(Comparator.comparing(Candidate::termIndex).reversed());
    for (int i = retained; i < all.size(); i++) {
      deleteRecursively(all.get(i).path());
    }
  }

  private record Candidate(Path path, TermIndex termIndex) {}

  private List<Candidate> candidates() throws IOException {
    List<Candidate> result = new ArrayList<>();
    if (!Files.isDirectory(snapshots())) {
      return result;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(snapshots())) {
      for (Path dir : dirs) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (m.matches() && Files.isDirectory(dir)) {
          result.add(new Candidate(dir,
              TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)))));
        }
      }
    }
    return result;
  }

  /** Deletes a file or directory tree; nothing when it does not exist. */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(path)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
