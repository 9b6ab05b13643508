package io.raftlimiter.statemachine;

import java.io.File;
import java.nio.file.Path;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageDirectory;
import org.apache.ratis.server.storage.RaftStorageMetadataFile;

/**
 * Just enough of a Ratis {@link RaftStorage} to hand a state machine its directory: the state
 * machine dir is {@code <root>/current/sm}, as in a real server. No lock file, no metadata.
 */
public final class FakeRaftStorage implements RaftStorage {
  private final RaftStorageDirectory directory;

  public FakeRaftStorage(Path root) {
    this.directory = new RaftStorageDirectory() {
      @Override
      public File getRoot() {
        return root.toFile();
      }

      @Override
      public boolean isHealthy() {
        return true;
      }
    };
  }

  /** Where the state machine keeps its files under this storage. */
  public Path stateMachineDir() {
    return directory.getStateMachineDir().toPath();
  }

  @Override
  public void initialize() {}

  @Override
  public RaftStorageDirectory getStorageDir() {
    return directory;
  }

  @Override
  public RaftStorageMetadataFile getMetadataFile() {
    throw new UnsupportedOperationException("not needed by the state machine");
  }

  @Override
  public RaftServerConfigKeys.Log.CorruptionPolicy getLogCorruptionPolicy() {
    return RaftServerConfigKeys.Log.CorruptionPolicy.getDefault();
  }

  @Override
  public void close() {}
}
