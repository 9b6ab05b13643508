package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.cli.RlctlProcess.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits as code and a look at one bucket, as an operator runs them against node processes:
 * export, a dry run that shows the change and makes none, apply, export again to the same file;
 * then a bucket emptied, looked at without being charged, reset, and the audit log's lines.
 */
class LimitsAsCodeIT {
  @TempDir Path work;
  private Path clusterDir;

  @AfterEach
  void stopEverything() throws Exception {
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void rulesRoundTripThroughAReviewedFileAndABucketIsLookedAtAndReset() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = RlctlProcess.run("cluster", "up", "--nodes", "3", "--dir", clusterDir.toString(),
        "--jvm-opts", "-Xmx256m");
    assertEquals(0, up.exitCode(), up.out());
    String dir = "--dir=" + clusterDir;
    String target = "--target=" + String.join(",", Files.readAllLines(
        clusterDir.resolve("endpoints")).stream().map(l -> l.split(" ")[1]).toList());
    Run set = RlctlProcess.run("limits", "set", "old:", "--capacity", "7", "--refill", "1", dir);
    assertEquals(0, set.exitCode(), set.out());

    Path file = work.resolve("limits.yaml");
    Run export = RlctlProcess.run("limits", "export", "-f", file.toString(), dir);
    assertEquals(0, export.exitCode(), export.out());
    assertTrue(Files.readString(file).contains("prefix: 'old:'")
        || Files.readString(file).contains("prefix: old:"), Files.readString(file));

    Files.writeString(file, """
        rules:
          - prefix: "api:"
            capacity: 3
            refill_per_second: 0.001
          - prefix: "trial:"
            capacity: 5
            refill_per_second: 1
            shadow: true
        """);
    Run dry = RlctlProcess.run("limits", "apply", "-f", file.toString(), "--dry-run", dir);
    assertEquals(0, dry.exitCode(), dry.out());
    assertTrue(dry.out().contains("+ 'api:': capacity 3, refill 0.001/s"), dry.out());
    assertTrue(dry.out().contains("- 'old:': capacity 7, refill 1/s"), dry.out());
    assertTrue(dry.out().contains("dry run: 2 added, 0 changed, 1 removed; nothing changed"),
        dry.out());
    Run unchanged = RlctlProcess.run("limits", "list", dir);
    assertTrue(unchanged.out().contains("old:") && !unchanged.out().contains("api:"),
        unchanged.out());

    Run apply = RlctlProcess.run("limits", "apply", "-f", file.toString(), dir);
    assertEquals(0, apply.exitCode(), apply.out());
    assertTrue(apply.out().contains("applied: 2 added, 0 changed, 1 removed"), apply.out());
    Run again = RlctlProcess.run("limits", "apply", "-f", file.toString(), dir);
    assertTrue(again.out().contains("no change"), again.out());

    Path exported = work.resolve("exported.yaml");
    assertEquals(0, RlctlProcess.run("limits", "export", "-f", exported.toString(), dir)
        .exitCode());
    assertEquals(RuleFile.parse(Files.readString(file)),
        RuleFile.parse(Files.readString(exported)), "export gives back what was applied");

    Files.writeString(file, "rules:\n  - {prefix: 'api:', capacity: 0, refill_per_second: 1}\n");
    Run invalid = RlctlProcess.run("limits", "apply", "-f", file.toString(), dir);
    assertEquals(Rlctl.EXIT_USAGE, invalid.exitCode(), invalid.out());
    assertTrue(invalid.out().contains("rule 'api:': limit.capacity must be from 1"), invalid.out());

    // A bucket: emptied by three acquires, looked at (twice: a look takes nothing), reset.
    for (int i = 0; i < 3; i++) {
      assertEquals(0, RlctlProcess.run("acquire", "api:alice", target).exitCode());
    }
    for (int i = 0; i < 2; i++) {
      Run look = RlctlProcess.run("bucket", "get", "api:alice", dir);
      assertEquals(0, look.exitCode(), look.out());
      assertTrue(look.out().contains("remaining  0 token(s), a whole one in"), look.out());
      assertTrue(look.out().contains("capacity 3, refill 0.001/s, rule 'api:'"), look.out());
    }
    Run reset = RlctlProcess.run("bucket", "reset", "api:alice", dir);
    assertEquals(0, reset.exitCode(), reset.out());
    assertTrue(reset.out().contains("remaining  3 token(s)"), reset.out());
    assertEquals(0, RlctlProcess.run("acquire", "api:alice", target).exitCode(),
        "the reset bucket admits again");

    // The changes are in the audit log of the node that took them (rlctl on D asks n1 first).
    List<String> audit = Files.readAllLines(clusterDir.resolve("n1.log")).stream()
        .filter(line -> line.contains("raftlimiter.audit")).toList();
    assertTrue(audit.stream().anyMatch(l -> l.contains("\"action\":\"limits.replace\"")
        && l.contains("2 added, 0 changed, 1 removed") && l.contains("\"outcome\":\"ok\"")),
        String.join("\n", audit));
    assertTrue(audit.stream().anyMatch(l -> l.contains("\"action\":\"bucket.reset\"")
        && l.contains("api:alice")), String.join("\n", audit));
  }
}
