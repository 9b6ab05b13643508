package io.raftlimiter.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --dir D}: the local cluster directory a command works on, as 'rlctl cluster up' made it. */
final class ClusterDirectory {
  @Option(names = "--dir", required = true, description = "Cluster directory D.")
  Path dir;

  static ClusterDirectory of(Path dir) {
    ClusterDirectory directory = new ClusterDirectory();
    directory.dir = dir;
    return directory;
  }
}
