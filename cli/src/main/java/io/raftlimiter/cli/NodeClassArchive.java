package io.raftlimiter.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Class-data sharing for the node JVMs that rlctl starts. A node started while there is no
 * archive of the node's classes records one as it exits (the JDK's dynamic archive); the next
 * start checks that a JVM maps it, keeps it beside the jar, and from then on every node maps it
 * instead of loading and verifying those classes again. Measured on 2 cores (docs/OPERATIONS.md):
 * a restarted node spends 1.1 s of CPU until it serves instead of 1.9-2.2 s, and {@code rlctl
 * cluster up} returns in 1.6-1.7 s instead of 2.3-2.6 s. On a small machine that CPU is taken
 * from the nodes still serving, so a rolling restart's starts hold their decisions up less.
 *
 * <p>Nothing is shared when it cannot be: the class path is not one jar (the JDK archives jars
 * only), the user's JVM options choose their own sharing, or {@code RLCTL_CDS=0} (which also
 * turns it off for rlctl's own commands in {@code scripts/rlctl}). An archive older than the jar
 * is not used (the JVM would refuse it anyway), and a recording is only kept once a JVM has
 * mapped it: a node killed while writing one leaves a truncated file, which would crash every
 * JVM that maps it rather than be skipped. Writing the archive costs the recording node about
 * 2.5 s of CPU as it exits, so one node records at a time, once per jar and JDK.
 */
final class NodeClassArchive {
  /** The environment variable that turns class sharing off when {@code 0}. */
  static final String SWITCH = "RLCTL_CDS";
  /** Keeps the JVM's notes on archives it cannot use (another JDK, another jar) out of the log. */
  static final String QUIET = "-Xlog:cds=off,cds+dynamic=off";
  /** How long a recording that no JVM maps is left alone: a node may still be writing it. */
  static final Duration UNFINISHED_GRACE = Duration.ofMinutes(2);
  private static final String RECORDING = ".rec-";
  private static final AtomicLong RECORDINGS = new AtomicLong();

  private final Path jar;
  private final Path archive;
  private final Predicate<Path> mapsCleanly;
  private final Supplier<Stream<String>> runningCommandLines;

  /**
   * @param mapsCleanly whether a JVM maps a recording (and exits cleanly)
   * @param runningCommandLines the command lines of the processes running now
   */
  NodeClassArchive(Path jar, String javaId, Predicate<Path> mapsCleanly,
      Supplier<Stream<String>> runningCommandLines) {
    this.jar = jar;
    this.archive = jar.resolveSibling("node-" + javaId + ".jsa");
    this.mapsCleanly = mapsCleanly;
    this.runningCommandLines = runningCommandLines;
  }

  /** The archive of nodes run from {@code jar} by this JVM's {@code java}. */
  static NodeClassArchive of(Path jar) {
    return new NodeClassArchive(jar, javaId(), recording -> mapsCleanly(jar, recording, List.of()),
        () -> ProcessHandle.allProcesses().flatMap(p -> p.info().commandLine().stream()));
  }

  Path archive() {
    return archive;
  }

  /**
   * The sharing options of a node JVM started now with {@code userOptions} from
   * {@code classPath}: map the archive, or record one, or none ({@code cdsSwitch}, the value of
   * {@link #SWITCH}, is {@code "0"}). Never fails a start: a file that cannot be read or written
   * (or another rlctl that moved it first) only means no sharing for this node.
   */
  static List<String> optionsFor(String userOptions, String classPath, String cdsSwitch) {
    if ("0".equals(cdsSwitch) || choosesItsOwnSharing(userOptions)) {
      return List.of();
    }
    Path jar = Path.of(classPath);
    if (classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")
        || !Files.isRegularFile(jar)) {
      return List.of();
    }
    try {
      return of(jar.toAbsolutePath()).options();
    } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
      return List.of();
    }
  }

  /** Whether the user's JVM options already say how classes are shared. */
  static boolean choosesItsOwnSharing(String userOptions) {
    return userOptions.contains("-Xshare") || userOptions.contains("SharedArchiveFile")
        || userOptions.contains("ArchiveClassesAtExit");
  }

  /** Map the archive if it is there (promoting a finished recording first), else record one. */
  List<String> options() throws IOException {
    FileTime built = Files.getLastModifiedTime(jar);
    if (!usable(archive, built)) {
      promoteARecording(built);
    }
    if (usable(archive, built)) {
      deleteRecordings(); // a node that recorded as well wrote what is kept already
      return List.of("-XX:SharedArchiveFile=" + archive, QUIET);
    }
    String recordingOption = "-XX:ArchiveClassesAtExit=" + archive + RECORDING;
    if (!Files.isWritable(jar.getParent())
        || runningCommandLines.get().anyMatch(line -> line.contains(recordingOption))) {
      return List.of(); // one node records at a time: writing one takes ~2.5 s of CPU at its exit
    }
    Path recording = archive.resolveSibling(archive.getFileName() + RECORDING
        + ProcessHandle.current().pid() + "-" + RECORDINGS.incrementAndGet());
    return List.of("-XX:ArchiveClassesAtExit=" + recording, QUIET);
  }

  private static boolean usable(Path file, FileTime built) throws IOException {
    return Files.isRegularFile(file) && Files.size(file) > 0
        && Files.getLastModifiedTime(file).compareTo(built) >= 0;
  }

  /**
   * Keeps the first recording that a JVM maps as the archive; drops recordings older than the
   * jar, and those no JVM maps once a node can no longer be writing them.
   */
  private void promoteARecording(FileTime built) throws IOException {
    Instant unfinishedBefore = Instant.now().minus(UNFINISHED_GRACE);
    for (Path recording : recordings()) {
      FileTime written = Files.getLastModifiedTime(recording);
      if (written.compareTo(built) < 0) {
        Files.deleteIfExists(recording);
      } else if (mapsCleanly.test(recording)) {
        Files.move(recording, archive, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        return;
      } else if (written.toInstant().isBefore(unfinishedBefore)) {
        Files.deleteIfExists(recording);
      }
    }
  }

  private void deleteRecordings() throws IOException {
    for (Path recording : recordings()) {
      Files.deleteIfExists(recording);
    }
  }

  private List<Path> recordings() throws IOException {
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> files =
        Files.newDirectoryStream(archive.getParent(), archive.getFileName() + RECORDING + "*")) {
      files.forEach(found::add);
    }
    found.sort(null);
    return found;
  }

  /** Names this JVM's {@code java}: an archive serves the JDK that wrote it only. */
  private static String javaId() {
    Path home = Path.of(System.getProperty("java.home"));
    try {
      home = home.toRealPath();
    } catch (IOException e) {
      // the path as given names it as well
    }
    return Integer.toHexString(home.toString().hashCode());
  }

  /**
   * Whether a JVM started with {@code jvmOptions} maps {@code recording} for classes of
   * {@code jar}, and exits cleanly (rlctl's own archive is checked the same way in tests); an
   * empty or missing file does not.
   */
  static boolean mapsCleanly(Path jar, Path recording, List<String> jvmOptions) {
    try {
      if (!Files.isRegularFile(recording) || Files.size(recording) == 0) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    List<String> check = new ArrayList<>();
    check.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    check.addAll(jvmOptions);
    check.addAll(List.of(QUIET, "-Xshare:on", "-XX:SharedArchiveFile=" + recording,
        "-XX:ErrorFile=/dev/null", "-XX:-CreateCoredumpOnCrash", "-cp", jar.toString(),
        "-version"));
    try {
      Process process = new ProcessBuilder(check).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
