package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which class-sharing options a node JVM gets: record an archive while there is none, keep a
 * recording only once a JVM maps it, map the kept archive, and nothing where sharing cannot or
 * must not apply. (That a real node records and maps one: {@code ClusterUpDownIT}.)
 */
class NodeClassArchiveTest {
  @TempDir Path dir;
  private Path jar;
  private final List<Path> checked = new ArrayList<>();

  @BeforeEach
  void aJarBuiltAMinuteAgo() throws IOException {
    jar = Files.write(dir.resolve("rlctl.jar"), new byte[] {1});
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(60)));
  }

  private final List<String> running = new ArrayList<>();

  private NodeClassArchive archive(boolean recordingsMap) {
    return new NodeClassArchive(jar, "j1", recording -> {
      checked.add(recording);
      return recordingsMap;
    }, running::stream);
  }

  private static String option(List<String> options, String prefix) {
    return options.stream().filter(o -> o.startsWith(prefix)).findFirst().orElse(null);
  }

  private Path recordingNamedIn(List<String> options) {
    String record = option(options, "-XX:ArchiveClassesAtExit=");
    assertTrue(record != null, options.toString());
    return Path.of(record.substring("-XX:ArchiveClassesAtExit=".length()));
  }

  @Test
  void withoutAnArchiveANodeRecordsOneBesideTheJarUnderANameOfItsOwn() throws IOException {
    List<String> first = archive(true).options();
    List<String> second = archive(true).options(); // the first node exited before
    assertEquals(dir, recordingNamedIn(first).getParent());
    assertTrue(recordingNamedIn(first).getFileName().toString().startsWith("node-j1.jsa.rec-"));
    assertFalse(recordingNamedIn(first).equals(recordingNamedIn(second)), "two nodes, one file");
    assertTrue(first.contains(NodeClassArchive.QUIET), first.toString());
  }

  @Test
  void oneNodeRecordsAtATime() throws IOException {
    List<String> first = archive(true).options();
    running.add("java -Xmx1g " + String.join(" ", first) + " -cp " + jar + " Rlctl node");
    assertEquals(List.of(), archive(true).options());
    running.clear();
    assertTrue(recordingNamedIn(archive(true).options()) != null);
  }

  @Test
  void aRecordingThatAJvmMapsBecomesTheArchiveAndEveryLaterNodeMapsIt() throws IOException {
    Path recorded = Files.write(recordingNamedIn(archive(true).options()), new byte[] {7});
    Path other = Files.write(dir.resolve("node-j1.jsa.rec-9-9"), new byte[] {8});
    NodeClassArchive archive = archive(true);
    List<String> options = archive.options();
    assertEquals("-XX:SharedArchiveFile=" + archive.archive(),
        option(options, "-XX:SharedArchiveFile="), options.toString());
    assertEquals(null, option(options, "-XX:ArchiveClassesAtExit="), options.toString());
    assertTrue(Files.exists(archive.archive()));
    assertFalse(Files.exists(recorded), "kept or dropped");
    assertFalse(Files.exists(other), "kept or dropped");
    checked.clear();
    assertEquals(options, archive(true).options());
    assertEquals(List.of(), checked, "a kept archive is not checked again");
  }

  @Test
  void aRecordingNoJvmMapsIsNeverUsedAndIsDroppedOnceNoNodeCanBeWritingIt() throws IOException {
    Path fresh = Files.write(dir.resolve("node-j1.jsa.rec-1-1"), new byte[] {7});
    Path old = Files.write(dir.resolve("node-j1.jsa.rec-1-2"), new byte[] {7});
    Files.setLastModifiedTime(old, FileTime.from(
        Instant.now().minus(NodeClassArchive.UNFINISHED_GRACE).minusSeconds(1)));
    List<String> options = archive(false).options();
    assertEquals(null, option(options, "-XX:SharedArchiveFile="), options.toString());
    assertTrue(recordingNamedIn(options) != null);
    assertEquals(List.of(fresh), checked.stream().filter(p -> p.equals(fresh)).toList());
    assertTrue(Files.exists(fresh), "a node may still be writing it");
    assertFalse(Files.exists(old));
  }

  @Test
  void anArchiveOrRecordingOlderThanTheJarIsNotUsed() throws IOException {
    NodeClassArchive archive = archive(true);
    FileTime before = FileTime.from(Instant.now().minusSeconds(120));
    Files.setLastModifiedTime(Files.write(archive.archive(), new byte[] {7}), before);
    Path stale = Files.write(dir.resolve("node-j1.jsa.rec-1-1"), new byte[] {7});
    Files.setLastModifiedTime(stale, before);
    List<String> options = archive.options();
    assertEquals(null, option(options, "-XX:SharedArchiveFile="), options.toString());
    assertTrue(recordingNamedIn(options) != null);
    assertEquals(List.of(), checked);
    assertFalse(Files.exists(stale));
  }

  @Test
  void nothingIsSharedWhereItCannotOrMustNotBe() throws IOException {
    String jarPath = jar.toString();
    assertEquals(List.of(), NodeClassArchive.optionsFor("-Xmx1g", jarPath, "0"));
    for (String own : List.of("-Xshare:off", "-XX:SharedArchiveFile=/x.jsa",
        "-XX:ArchiveClassesAtExit=/x.jsa")) {
      assertEquals(List.of(), NodeClassArchive.optionsFor("-Xmx1g " + own, jarPath, null), own);
    }
    Path classes = Files.createDirectory(dir.resolve("classes"));
    assertEquals(List.of(), NodeClassArchive.optionsFor("", classes.toString(), null));
    assertEquals(List.of(),
        NodeClassArchive.optionsFor("", jarPath + java.io.File.pathSeparator + classes, null));
    assertEquals(List.of(), NodeClassArchive.optionsFor("", dir.resolve("gone.jar").toString(),
        null));
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(2, files.count(), "nothing written");
    }
    assertFalse(NodeClassArchive.optionsFor("", jarPath, null).isEmpty());
  }
}
