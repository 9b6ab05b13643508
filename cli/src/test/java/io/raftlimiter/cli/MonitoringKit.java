package io.raftlimiter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The monitoring kit of {@code deploy/monitoring/}: what its dashboard and alerts read. */
final class MonitoringKit {
  static final Path DIR = Path.of("..", "deploy", "monitoring");
  private static final Pattern SERIES = Pattern.compile("\\b(raftlimiter_[a-z0-9_]+)");

  private MonitoringKit() {}

  /** Every raftlimiter series the dashboard's and the rules' queries name. */
  static Set<String> seriesRead() throws IOException {
    Set<String> names = new TreeSet<>();
    for (String file : new String[] {"alerts.yaml", "dashboard.json"}) {
      Matcher m = SERIES.matcher(Files.readString(DIR.resolve(file)));
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
