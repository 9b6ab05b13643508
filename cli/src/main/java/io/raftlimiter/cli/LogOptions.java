package io.raftlimiter.cli;

import java.util.Map;

/**
 * Applies {@code --log-level}, {@code --log-file} and {@code --log-format} before any logger
 * exists, as system properties that {@link LogSetup} reads when logging starts: picocli's
 * parsing happens later, too late for the first loggers.
 */
final class LogOptions {
  static final String LEVEL = "raftlimiter.log.level";
  static final String FILE = "raftlimiter.log.file";
  static final String FORMAT = "raftlimiter.log.format";
  private static final Map<String, String> OPTIONS =
      Map.of("--log-level", LEVEL, "--log-file", FILE, "--log-format", FORMAT);

  private LogOptions() {}

  static void applyFrom(String[] args) {
    for (int i = 0; i < args.length; i++) {
      for (Map.Entry<String, String> option : OPTIONS.entrySet()) {
        String value = null;
        if (args[i].equals(option.getKey()) && i + 1 < args.length) {
          value = args[i + 1];
        } else if (args[i].startsWith(option.getKey() + "=")) {
          value = args[i].substring(option.getKey().length() + 1);
        }
        if (value != null) {
          System.setProperty(option.getValue(), value);
        }
      }
    }
  }
}
