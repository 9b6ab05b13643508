package io.raftlimiter.cli;

/**
 * Applies {@code --log-level} before any logger exists: slf4j-simple reads its level once, at
 * start, so picocli's parsing (which happens later) would be too late.
 */
final class LogLevel {
  private LogLevel() {}

  static void applyFrom(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String value = null;
      if (args[i].equals("--log-level") && i + 1 < args.length) {
        value = args[i + 1];
      } else if (args[i].startsWith("--log-level=")) {
        value = args[i].substring("--log-level=".length());
      }
      if (value != null) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", value);
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.ratis", value);
      }
    }
  }
}
