package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the packaged {@code rlctl} jar as a separate process, the way a user does. */
final class RlctlProcess {
  record Run(int exitCode, String out) {}

  private RlctlProcess() {}

  static Run run(String... args) throws IOException, InterruptedException {
    String jar = System.getProperty("rlctl.jar");
    assertTrue(jar != null && Files.exists(Path.of(jar)), "packaged jar missing: " + jar);
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
        "-XX:TieredStopAtLevel=1", "-jar", jar));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(240, TimeUnit.SECONDS), "rlctl did not finish: " + out);
    return new Run(process.exitValue(), out);
  }

  /** Stops the cluster in {@code clusterDir} if one runs there (after a test, pass or fail). */
  static void downIfUp(Path clusterDir) throws IOException, InterruptedException {
    if (clusterDir != null && Files.exists(clusterDir.resolve("endpoints"))) {
      run("cluster", "down", "--dir", clusterDir.toString());
    }
  }
}
