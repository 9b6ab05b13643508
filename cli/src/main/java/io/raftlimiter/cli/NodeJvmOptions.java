package io.raftlimiter.cli;

import io.raftlimiter.server.runtime.NodeJvm;
import picocli.CommandLine.Option;

/** {@code --jvm-opts}: the JVM options of the node processes a command starts. */
final class NodeJvmOptions {
  @Option(names = "--jvm-opts", paramLabel = "OPTIONS",
      defaultValue = NodeJvm.DEFAULT_OPTIONS,
      description = "JVM options of the nodes it starts, after -XX:+ExitOnOutOfMemoryError "
          + "(default: ${DEFAULT-VALUE}).")
  String value = NodeJvm.DEFAULT_OPTIONS;

  static NodeJvmOptions of(String value) {
    NodeJvmOptions options = new NodeJvmOptions();
    options.value = value;
    return options;
  }
}
