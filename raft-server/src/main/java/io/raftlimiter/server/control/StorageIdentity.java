package io.raftlimiter.server.control;

import io.raftlimiter.server.runtime.OwnerOnly;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The id of this node's storage, kept in {@code <data-dir>/storage-id} and made the first time
 * the directory is used. Node ids name a member; the storage id names the disk its replicas live
 * on, so a node that comes back on an empty disk under its old id is told apart from the member
 * whose replicas the cluster's configurations still count (see {@code ReplicaPlanner}).
 *
 * @param created whether the id was made by this start: the storage was never used before
 */
public record StorageIdentity(String id, boolean created) {
  static final String FILE = "storage-id";

  /** Reads the id from {@code dataDir}, or makes one there (written atomically). */
  public static StorageIdentity open(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      String id = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (id.isEmpty()) {
        throw new IOException(file + " is empty; it names this node's storage and must not be "
            + "edited (delete the whole data directory to start this node afresh)");
      }
      return new StorageIdentity(id, false);
    }
    String id = UUID.randomUUID().toString();
    OwnerOnly.write(file, id + "\n");
    return new StorageIdentity(id, true);
  }
}
