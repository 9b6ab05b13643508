package io.raftlimiter.server.runtime;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a node's JVM is started: by {@code rlctl cluster up}, and by the bench for processes that
 * must run like nodes (its Raft floor), so that both measure and run the same thing.
 */
public final class NodeJvm {
  /** A node's JVM options when the user gives none ({@code --jvm-opts}). */
  public static final String DEFAULT_OPTIONS = "-Xmx1g -XX:+UseParallelGC";
  /**
   * Always given, before the user's options: a node that ran out of memory must end (and be
   * restarted) rather than run on with some threads dead and state half updated.
   */
  private static final String EXIT_ON_OUT_OF_MEMORY = "-XX:+ExitOnOutOfMemoryError";

  private NodeJvm() {}

  /** This JVM's {@code java} and the options of a node's JVM. */
  public static List<String> command(String options) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(EXIT_ON_OUT_OF_MEMORY);
    for (String option : options.trim().split("\\s+")) {
      if (!option.isEmpty()) {
        command.add(option);
      }
    }
    return command;
  }
}
