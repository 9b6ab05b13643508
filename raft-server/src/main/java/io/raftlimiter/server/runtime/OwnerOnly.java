package io.raftlimiter.server.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Keeps a node's files to the user it runs as: its data directory 0700 (bucket states, logs and
 * snapshots are the cluster's admission record) and the files it writes there 0600. Where the
 * file system has no POSIX permissions, nothing is changed.
 */
public final class OwnerOnly {
  private OwnerOnly() {}

  /** Creates {@code dir} if needed and makes it 0700. */
  public static Path directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    restrict(dir, "rwx------");
    return dir;
  }

  /** Makes {@code file} 0600. */
  public static Path file(Path file) throws IOException {
    restrict(file, "rw-------");
    return file;
  }

  /**
   * Writes {@code text} to {@code file} whole or not at all: to a temporary sibling made 0600
   * first, then moved over the file atomically.
   */
  public static Path write(Path file, String text) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    Files.createFile(temp);
    file(temp); // before the secret is in it
    Files.writeString(temp, text, StandardCharsets.UTF_8);
    return Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void restrict(Path path, String permissions) throws IOException {
    if (Files.getFileAttributeView(path, PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
    }
  }
}
