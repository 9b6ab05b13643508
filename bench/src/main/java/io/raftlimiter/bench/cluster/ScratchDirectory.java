package io.raftlimiter.bench.cluster;

import io.raftlimiter.server.local.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A temp directory deleted on {@link #close()}, or by a shutdown hook when the JVM is stopped
 * first (Ctrl-C, SIGTERM), where finally blocks do not run.
 *
 * <p>Whatever still writes into the directory (node processes) is stopped by {@code beforeDelete}
 * in the same step, in that order: the JVM runs shutdown hooks concurrently, so a second hook
 * could not be relied on to stop the writers before the files go.
 */
public final class ScratchDirectory implements AutoCloseable {
  private final Path path;
  private final Consumer<Path> beforeDelete;
  private final Thread hook;
  private boolean deleted;

  public ScratchDirectory(String prefix) throws IOException {
    this(prefix, path -> {});
  }

  /** @param beforeDelete stops whatever writes into the directory; runs once */
  public ScratchDirectory(String prefix, Consumer<Path> beforeDelete) throws IOException {
    this.path = Files.createTempDirectory(prefix);
    this.beforeDelete = beforeDelete;
    this.hook = new Thread(this::delete, "delete-" + path.getFileName());
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public Path path() {
    return path;
  }

  private synchronized void delete() {
    if (deleted) {
      return;
    }
    deleted = true;
    try {
      beforeDelete.accept(path);
    } catch (RuntimeException e) {
      System.err.println("cleaning up " + path + ": " + e);
    }
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
