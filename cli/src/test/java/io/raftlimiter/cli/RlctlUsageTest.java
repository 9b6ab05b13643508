package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.local.FreePorts;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Wrong flags and values: a one-line error, a non-zero exit, never a stack trace. */
class RlctlUsageTest {
  @TempDir Path dir;

  private record Outcome(int exitCode, String err) {}

  private static Outcome run(String... args) {
    PrintStream originalErr = System.err;
    PrintStream originalOut = System.out;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      // Created after the swap: picocli binds its writers to System.err/out when it is built.
      int code = Rlctl.newCommandLine().execute(args);
      return new Outcome(code, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
  }

  private static void assertOneLineError(Outcome outcome, String expectedFragment) {
    assertTrue(outcome.exitCode() != 0, "exit code must be non-zero");
    assertFalse(outcome.err().contains("\tat "), "no stack trace: " + outcome.err());
    String firstLine = outcome.err().lines().findFirst().orElse("");
    assertTrue(firstLine.startsWith("rlctl: "), "one-line error first: " + outcome.err());
    assertTrue(outcome.err().contains(expectedFragment),
        "error should mention '" + expectedFragment + "': " + outcome.err());
  }

  /** Every command's one-line summary in its parent's command list is a whole sentence. */
  @Test
  void commandSummariesAreWholeSentences() {
    java.util.List<picocli.CommandLine> pending = new java.util.ArrayList<>(
        java.util.List.of(new picocli.CommandLine(new Rlctl())));
    int seen = 0;
    while (!pending.isEmpty()) {
      picocli.CommandLine command = pending.remove(0);
      pending.addAll(command.getSubcommands().values());
      picocli.CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
      String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
      String summary = lines.length == 0 ? "" : lines[0].trim();
      assertTrue(summary.endsWith("."), command.getCommandName() + ": '" + summary + "'");
      seen++;
    }
    assertTrue(seen > 15, "walked " + seen + " commands");
  }

  @Test
  void unknownCommandAndOption() {
    assertOneLineError(run("frobnicate"), "frobnicate");
    assertOneLineError(run("demo", "--bogus"), "--bogus");
  }

  @Test
  void badNumbers() {
    Outcome seconds = run("demo", "--seconds", "abc");
    assertOneLineError(seconds, "abc");
    assertEquals(Rlctl.EXIT_USAGE, seconds.exitCode());
    assertOneLineError(run("demo", "--seconds", "1"), "--seconds must be from 2 to 3600");
  }

  @Test
  void acquireNeedsTargetAndPairedLimit() {
    assertOneLineError(run("acquire", "key"), "--target");
    Outcome unpaired = run("acquire", "--target", "127.0.0.1:1", "key", "--capacity", "5");
    assertOneLineError(unpaired, "--capacity and --refill go together");
    assertEquals(Rlctl.EXIT_USAGE, unpaired.exitCode());
    assertOneLineError(run("acquire", "--target", "127.0.0.1:1", "key", "--consistency", "weird"),
        "--consistency");
  }

  @Test
  void nodeSettingsAreCheckedWithTheirRange() {
    Outcome port = run("node", "--id", "n1", "--dir", dir.toString(), "--raft-port", "70000",
        "--client-port", "7001");
    assertOneLineError(port, "node.raft-port");
    assertTrue(port.err().contains("from 1 to 65535"), port.err());
    assertOneLineError(run("node", "--id", "bad id!", "--dir", dir.toString(), "--raft-port", "7000",
        "--client-port", "7001"), "node.id");
    assertOneLineError(run("node", "--id", "n1", "--dir", dir.toString(), "--raft-port", "7000",
        "--client-port", "7001", "--set", "batch.max-ops=0"), "batch.max-ops");
    assertOneLineError(run("node", "--id", "n1", "--dir", dir.toString(), "--raft-port", "7000",
        "--client-port", "7001", "--set", "no.such.key=1"), "no.such.key");
    assertOneLineError(run("node", "--dir", dir.toString(), "--raft-port", "7000",
        "--client-port", "7001"), "node.id: required");
  }

  /**
   * A node given neither TLS nor security.allow-insecure=true refuses to start, and says which
   * setting opts out, before it touches its data directory.
   */
  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS) // on code without the check, the node would run
  void aNodeWithoutTlsRefusesToStartUnlessInsecureOnPurpose() {
    Path data = dir.resolve("n1");
    Outcome refused = run("node", "--id", "n1", "--dir", data.toString(), "--raft-port",
        Integer.toString(FreePorts.next()), "--client-port", Integer.toString(FreePorts.next()));
    assertOneLineError(refused, "security.allow-insecure=true");
    assertFalse(Files.exists(data), "nothing written");
  }

  @Test
  void environmentVariablesFeedNodeSettings() {
    NodeCommand command = new NodeCommand();
    command.id = "n1";
    command.dir = dir;
    command.raftPort = 7000;
    command.clientPort = 7001;
    var config = command.buildConfig(Map.of("RAFTLIMITER_LIMIT_DEFAULT_CAPACITY", "42",
        "RAFTLIMITER_SECURITY_ALLOW_INSECURE", "true"));
    assertEquals(42L, config.defaultLimit().capacity());
    Outcome bad = run("cluster", "status", "--dir", dir.toString());
    assertOneLineError(bad, "not a cluster directory");
  }
}
