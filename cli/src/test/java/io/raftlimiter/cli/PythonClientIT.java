package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Python client (clients/python) against node processes, through its own pytest suite:
 * {@code scripts/python-client-test} installs what it needs from Debian's packages, generates
 * the stubs from the proto and runs the suite. Where the packages cannot be installed (no apt,
 * no root: the script exits 2), the test is skipped and says so.
 */
class PythonClientIT {
  @Test
  @Timeout(value = 900, unit = TimeUnit.SECONDS)
  void thePythonClientsSuitePasses() throws IOException, InterruptedException {
    Path root = Path.of("").toAbsolutePath().getParent();
    Process suite = new ProcessBuilder(root.resolve("scripts/python-client-test").toString())
        .redirectErrorStream(true).start();
    String out = new String(suite.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!suite.waitFor(60, TimeUnit.SECONDS)) {
      suite.destroyForcibly();
    }
    assumeTrue(suite.exitValue() != 2, "the Python client's packages could not be installed:\n"
        + out);
    assertEquals(0, suite.exitValue(), out);
    assertTrue(out.matches("(?s).*\\b9 passed\\b.*"), out);
  }
}
