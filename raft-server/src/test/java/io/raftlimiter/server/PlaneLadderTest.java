package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The node's packages are planes stacked as a ladder: a plane may use the planes below it and
 * never one above, so each can be read, tested and replaced with only what is under it in mind
 * (docs/DESIGN.md, "Map of the code"). The test reads the sources and fails on any reference to
 * a class of a higher plane, imported or written out in full.
 */
class PlaneLadderTest {
  /**
   * Each package's rung, lowest first. Packages on one rung do not depend on each other's
   * order; a subpackage without its own entry takes its parent's rung.
   */
  static final Map<String, Integer> RUNGS = Map.ofEntries(
      // The settings and the vocabulary they are written in (modes, policies, patterns).
      Map.entry("config", 0),
      // Daemon threads, the metrics registry, build info, call endings.
      Map.entry("runtime", 1),
      Map.entry("security", 2),
      Map.entry("envoy", 2),
      // Data plane: group commit, then forwarding to leaders, then the groups of a node.
      Map.entry("data.commit", 3),
      Map.entry("data.forward", 4),
      Map.entry("data", 5),
      // Deciding without a Raft round per request.
      Map.entry("decide", 6),
      Map.entry("decide.eventual", 7),
      Map.entry("decide.lease", 7),
      // Control plane: metadata, placement, replica repair.
      Map.entry("control", 8),
      Map.entry("ops", 9),
      // Front ends: gRPC, HTTP/JSON, Envoy's protocol.
      Map.entry("api", 10),
      // The node: wiring.
      Map.entry("", 11),
      // Nodes started in one process, for tests and the CLI's demo.
      Map.entry("local", 12));

  private static final String ROOT = "io.raftlimiter.server";
  private static final Path SOURCES = Path.of("src/main/java/io/raftlimiter/server");
  private static final Pattern REFERENCE =
      Pattern.compile("\\bio\\.raftlimiter\\.server((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
  private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");

  @Test
  void noPlaneUsesAPlaneAboveIt() throws IOException {
    List<String> upward = new ArrayList<>();
    int files = 0;
    try (Stream<Path> paths = Files.walk(SOURCES)) {
      for (Path file : paths.filter(p -> p.toString().endsWith(".java")).toList()) {
        files++;
        upward.addAll(upwardReferences(file));
      }
    }
    assertTrue(files > 50, "read only " + files + " sources from " + SOURCES.toAbsolutePath());
    assertEquals(List.of(), upward, "references from a plane to one above it");
  }

  @Test
  void theScanSeesAnUpwardImportAndAFullyQualifiedOne() {
    String source = """
        package io.raftlimiter.server.data;

        import io.raftlimiter.server.config.NodeConfig;
        import io.raftlimiter.server.api.GroupRouterLike;

        class X { io.raftlimiter.server.control.ReplicaPlanner planner; }
        """;
    assertEquals(List.of("data -> api", "data -> control"), upward("X.java", source));
  }

  @Test
  void everyPackageHasARung() throws IOException {
    List<String> missing = new ArrayList<>();
    try (Stream<Path> paths = Files.walk(SOURCES)) {
      for (Path dir : paths.filter(Files::isDirectory).toList()) {
        String name = SOURCES.relativize(dir).toString().replace('/', '.');
        if (!RUNGS.containsKey(name)) {
          missing.add(name);
        }
      }
    }
    // A new package must be placed on the ladder on purpose, not inherit a rung by accident.
    assertEquals(List.of(), missing, "packages without a rung in " + getClass().getSimpleName());
  }

  private static List<String> upwardReferences(Path file) {
    try {
      return upward(SOURCES.relativize(file).toString(), Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> upward(String file, String source) {
    Matcher declared = PACKAGE.matcher(source);
    if (!declared.find()) {
      throw new AssertionError(file + " declares no package");
    }
    String from = relative(declared.group(1));
    List<String> found = new ArrayList<>();
    Matcher reference = REFERENCE.matcher(source);
    while (reference.find()) {
      String to = reference.group(1).isEmpty() ? "" : reference.group(1).substring(1);
      if (rung(to) > rung(from)) {
        String edge = (from.isEmpty() ? "node" : from) + " -> " + (to.isEmpty() ? "node" : to);
        if (!found.contains(edge)) {
          found.add(edge);
        }
      }
    }
    return found;
  }

  private static String relative(String packageName) {
    return packageName.equals(ROOT) ? "" : packageName.substring(ROOT.length() + 1);
  }

  private static int rung(String pkg) {
    for (String p = pkg; ; p = p.substring(0, Math.max(0, p.lastIndexOf('.')))) {
      Integer rung = RUNGS.get(p);
      if (rung != null) {
        return rung;
      }
      if (p.isEmpty()) {
        throw new AssertionError("package " + pkg + " has no rung");
      }
    }
  }
}
