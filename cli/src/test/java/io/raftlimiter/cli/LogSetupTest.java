package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logging options reach Logback: level, a log file, and JSON lines. */
class LogSetupTest {
  @TempDir Path dir;

  @AfterEach
  void clear() {
    System.clearProperty(LogOptions.LEVEL);
    System.clearProperty(LogOptions.FILE);
    System.clearProperty(LogOptions.FORMAT);
  }

  @Test
  void optionsChooseLevelFileAndFormat() throws Exception {
    Path file = dir.resolve("node.log");
    LogOptions.applyFrom(new String[] {"node", "--log-level", "info", "--log-file=" + file,
        "--log-format", "json"});
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // as Logback's own start-up does
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    setup.configure(context);
    assertEquals(Level.INFO, context.getLogger("io.raftlimiter").getEffectiveLevel());
    assertEquals(Level.OFF,
        context.getLogger("org.apache.ratis.client.impl.OrderedAsync").getEffectiveLevel());
    context.getLogger("io.raftlimiter.test").info("hello {}", "there");
    context.getLogger("io.raftlimiter.test").debug("not at info");
    for (int attempt = 1; attempt <= 3; attempt++) {
      context.getLogger(LogSetup.RATIS_APPENDER).warn(
          "{}: Follower failed (request=null, errorCount={})", "n1@g->n3", attempt);
    }
    context.stop();
    String written = Files.readString(file);
    assertTrue(written.startsWith("{") && written.contains("\"formattedMessage\":\"hello there\""),
        written);
    assertTrue(!written.contains("not at info"), written);
    assertTrue(written.contains("errorCount=1)") && !written.contains("errorCount=2)")
        && !written.contains("errorCount=3)"), "repeats dropped: " + written);
  }

  @Test
  void withoutOptionsLogsAreQuietAndRatisQuieter() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new LogbackMDCAdapter()); // as Logback's own start-up does
    LogSetup setup = new LogSetup();
    setup.setContext(context);
    setup.configure(context);
    assertEquals(Level.WARN, context.getLogger("io.raftlimiter").getEffectiveLevel());
    assertEquals(Level.ERROR, context.getLogger("org.apache.ratis.server").getEffectiveLevel());
    context.stop();
  }
}
