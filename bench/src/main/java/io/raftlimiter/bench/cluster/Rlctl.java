package io.raftlimiter.bench.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code scripts/rlctl}, the way users start a local cluster, so that the bench measures
 * what they run (the same launcher, JVM options and node settings) rather than a private path to
 * the nodes. The script builds the CLI jar when it is missing.
 */
public final class Rlctl {
  private final Path script;

  public Rlctl(Path script) {
    this.script = script;
  }

  public Path script() {
    return script;
  }

  /**
   * {@code scripts/rlctl} of the checkout the bench runs from: its classes live in
   * {@code <root>/bench/target/classes} or its jar in {@code <root>/bench/target/}, three levels
   * below the root either way.
   */
  public static Path besideBench() {
    try {
      Path codeSource = Path.of(Rlctl.class.getProtectionDomain().getCodeSource().getLocation()
          .toURI());
      return scriptUnder(codeSource);
    } catch (URISyntaxException | RuntimeException e) {
      throw new IllegalStateException("cannot tell where the bench runs from; use --rlctl", e);
    }
  }

  static Path scriptUnder(Path benchCodeSource) {
    Path root = benchCodeSource.toAbsolutePath().getParent().getParent().getParent();
    return root.resolve("scripts").resolve("rlctl");
  }

  /** {@code cluster up} for {@code spec} in {@code dir}. */
  static List<String> upArguments(Path dir, ClusterSpec spec) {
    List<String> args = new ArrayList<>(List.of("cluster", "up", "--dir", dir.toString(),
        "--nodes", Integer.toString(spec.nodes()), "--groups", Integer.toString(spec.groups()),
        "--capacity", Long.toString(spec.capacity()),
        "--refill", Double.toString(spec.refillPerSecond())));
    if (spec.nodeJvmOptions() != null) {
      args.add("--jvm-opts=" + spec.nodeJvmOptions());
    }
    if (spec.tls()) {
      args.add("--tls");
    }
    for (Map.Entry<String, String> setting : spec.settings().entrySet()) {
      args.addAll(List.of("--set", setting.getKey() + "=" + setting.getValue()));
    }
    return args;
  }

  static List<String> downArguments(Path dir) {
    return List.of("cluster", "down", "--dir", dir.toString());
  }

  /**
   * Runs {@code rlctl args}, its output into {@code outputFile} and then onto {@code log}; fails
   * when it exits non-zero or outlasts {@code timeout}.
   */
  void run(List<String> args, Path outputFile, Duration timeout, PrintStream log)
      throws IOException, InterruptedException {
    int exit = exitCode(args, outputFile, timeout);
    String output = Files.exists(outputFile) ? Files.readString(outputFile) : "";
    if (exit != 0) {
      throw new IOException("rlctl " + String.join(" ", args) + " exited with " + exit + ":\n"
          + output);
    }
    output.lines().forEach(line -> log.println("rlctl: " + line));
  }

  /**
   * Runs {@code rlctl args}, its output into {@code outputFile}, and returns its exit code (a
   * command expected to fail, too); fails when it outlasts {@code timeout}.
   */
  public int exitCode(List<String> args, Path outputFile, Duration timeout)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(script.toString());
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(outputFile.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      String output = Files.exists(outputFile) ? Files.readString(outputFile) : "";
      throw new IOException("rlctl " + String.join(" ", args) + ": no exit within "
          + timeout.toSeconds() + " s; output:\n" + output);
    }
    return process.exitValue();
  }
}
