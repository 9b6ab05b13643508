package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The alerting rules of {@code deploy/monitoring/} through Prometheus' own checker: they parse
 * ({@code promtool check rules}) and each alert fires on the series that should fire it, with
 * its labels and annotations, and not on a healthy cluster ({@code promtool test rules}).
 * promtool is installed from Debian packages when missing ({@code scripts/install-promtool});
 * where it cannot be (no apt, no root), the test is skipped and says so.
 */
class MonitoringRulesIT {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path KIT = ROOT.resolve("deploy/monitoring");

  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void theRulesParseAndTheirTestsPass() throws IOException, InterruptedException {
    if (!StatusPageBrowserIT.onPath("promtool")) {
      Process install = new ProcessBuilder(ROOT.resolve("scripts/install-promtool").toString())
          .inheritIO().start();
      if (!install.waitFor(10, TimeUnit.MINUTES)) {
        install.destroyForcibly();
      }
    }
    assumeTrue(StatusPageBrowserIT.onPath("promtool"),
        "promtool is missing and scripts/install-promtool could not install it");
    String check = run(List.of("promtool", "check", "rules", "alerts.yaml"), 60);
    assertTrue(check.contains("SUCCESS: 11 rules found"), check);
    String tests = run(List.of("promtool", "test", "rules", "alerts-test.yaml"), 120);
    assertTrue(tests.contains("SUCCESS"), tests);
  }

  /** Runs {@code command} in the kit's directory; its output, after it exited 0. */
  private static String run(List<String> command, int seconds)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(KIT.toFile())
        .redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + out);
    return out;
  }
}
