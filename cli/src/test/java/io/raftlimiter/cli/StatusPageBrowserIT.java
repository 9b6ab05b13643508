package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The status page in a real browser: {@code scripts/status-page} starts node processes, loads
 * {@code /ui} in headless Chromium and checks what the page drew. Chromium is installed from
 * Debian packages when missing ({@code scripts/install-chromium}); where it cannot be (no apt, no
 * root), the test is skipped and says so.
 */
class StatusPageBrowserIT {
  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void aBrowserDrawsEveryMemberGroupAndChange() throws IOException, InterruptedException {
    Path root = Path.of("").toAbsolutePath().getParent();
    if (!onPath("chromium")) {
      Process install = new ProcessBuilder(root.resolve("scripts/install-chromium").toString())
          .inheritIO().start();
      if (!install.waitFor(10, TimeUnit.MINUTES)) {
        install.destroyForcibly();
      }
    }
    assumeTrue(onPath("chromium"), "Chromium is missing and scripts/install-chromium could not "
        + "install it");
    Process script = new ProcessBuilder(root.resolve("scripts/status-page").toString())
        .redirectErrorStream(true).start();
    String out;
    try {
      out = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      if (!script.waitFor(30, TimeUnit.SECONDS)) {
        script.destroyForcibly();
      }
    }
    assertEquals(0, script.exitValue(), out);
    assertTrue(out.contains("status-page: ok (n1: every member"), out);
  }

  static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
