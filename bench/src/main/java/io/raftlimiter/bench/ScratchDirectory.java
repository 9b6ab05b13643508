package io.raftlimiter.bench;

import io.raftlimiter.server.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temp directory deleted on {@link #close()}, or by a shutdown hook when the JVM is stopped
 * first (Ctrl-C, SIGTERM), where finally blocks do not run.
 */
final class ScratchDirectory implements AutoCloseable {
  private final Path path;
  private final Thread hook;

  ScratchDirectory(String prefix) throws IOException {
    path = Files.createTempDirectory(prefix);
    hook = new Thread(this::delete, "delete-" + path.getFileName());
    Runtime.getRuntime().addShutdownHook(hook);
  }

  Path path() {
    return path;
  }

  private void delete() {
    try {
      LocalCluster.deleteRecursively(path);
    } catch (IOException e) {
      System.err.println("could not delete " + path + ": " + e);
    }
  }

  @Override
  public void close() {
    delete();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }
}
