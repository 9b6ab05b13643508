package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A node keeps its data to the user it runs as: its directory 0700, its own files 0600. */
@Tag("cluster")
class NodeFilesTest {
  @TempDir Path dir;

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void theDataDirectoryAndTheStorageIdAreTheOwnersOnly() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(1, dir, b -> { })) {
      Path data = cluster.node(0).config().get(NodeConfigKeys.DATA_DIR);
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(data.resolve("storage-id"))));
    }
  }
}
