package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged {@code rlctl} jar as a separate process, the way a user does, with class
 * data sharing as {@code scripts/rlctl} runs it: the first call of a test run records the
 * classes it loads, and later calls map them (about half a second less each, over some sixty
 * calls).
 */
final class RlctlProcess {
  record Run(int exitCode, String out) {}

  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx192m", "-XX:TieredStopAtLevel=1", "-Xlog:cds=off,cds+dynamic=off");
  /** The archive of this test run's calls, once recorded; null before, or if recording failed. */
  private static Path archive;
  private static boolean recordingStarted;

  private RlctlProcess() {}

  static Run run(String... args) throws IOException, InterruptedException {
    String jar = System.getProperty("rlctl.jar");
    assertTrue(jar != null && Files.exists(Path.of(jar)), "packaged jar missing: " + jar);
    Path recording = null;
    List<String> command = new ArrayList<>(List.of(java()));
    command.addAll(JVM_OPTIONS);
    synchronized (RlctlProcess.class) {
      if (archive != null) {
        command.add("-XX:SharedArchiveFile=" + archive);
      } else if (!recordingStarted) {
        recordingStarted = true;
        recording = Path.of(jar).resolveSibling(
            "rlctl-it-" + ProcessHandle.current().pid() + ".jsa");
        Files.deleteIfExists(recording);
        command.add("-XX:ArchiveClassesAtExit=" + recording);
      }
    }
    command.addAll(List.of("-jar", jar));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(240, TimeUnit.SECONDS), "rlctl did not finish: " + out);
    if (recording != null && mapsCleanly(recording, jar)) {
      synchronized (RlctlProcess.class) {
        archive = recording;
      }
    }
    return new Run(process.exitValue(), out);
  }

  /** Whether a JVM maps {@code recorded}: a truncated archive crashes the JVMs that use it. */
  private static boolean mapsCleanly(Path recorded, String jar) {
    return NodeClassArchive.mapsCleanly(Path.of(jar), recorded, JVM_OPTIONS);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Stops the cluster in {@code clusterDir} if one runs there (after a test, pass or fail). */
  static void downIfUp(Path clusterDir) throws IOException, InterruptedException {
    if (clusterDir != null && Files.exists(clusterDir.resolve("endpoints"))) {
      run("cluster", "down", "--dir", clusterDir.toString());
    }
  }

  /** Each node's client address, by node id, from {@code clusterDir}'s endpoints file. */
  static Map<String, String> addresses(Path clusterDir) throws IOException {
    Map<String, String> addresses = new TreeMap<>();
    EndpointsFile.read(clusterDir).forEach(e -> addresses.put(e.nodeId(), e.clientAddress()));
    return addresses;
  }

  /** Each node's process id, by node id, from {@code clusterDir}'s endpoints file. */
  static Map<String, Long> pids(Path clusterDir) throws IOException {
    Map<String, Long> pids = new TreeMap<>();
    EndpointsFile.read(clusterDir).forEach(e -> pids.put(e.nodeId(), e.pid()));
    return pids;
  }
}
