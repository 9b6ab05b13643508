package io.raftlimiter.cli;

import picocli.CommandLine.Option;

/** {@code --jvm-opts}: the JVM options of the node processes a command starts. */
final class NodeJvmOptions {
  @Option(names = "--jvm-opts", paramLabel = "OPTIONS",
      defaultValue = NodeProcesses.DEFAULT_JVM_OPTIONS,
      description = "JVM options of the nodes it starts, after -XX:+ExitOnOutOfMemoryError "
          + "(default: ${DEFAULT-VALUE}).")
  String value = NodeProcesses.DEFAULT_JVM_OPTIONS;

  static NodeJvmOptions of(String value) {
    NodeJvmOptions options = new NodeJvmOptions();
    options.value = value;
    return options;
  }
}
