package io.raftlimiter.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/CONFIGURATION.md is the operators' list of settings: it must name every key the node has,
 * with the default the code gives it, and no key the node does not have.
 */
class ConfigurationDocTest {
  private static final Path PAGE = Path.of("../docs/CONFIGURATION.md");
  /** A table row: {@code | `key` | default | allowed | meaning |}. */
  private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9.<> -]+)` \\| ([^|]*) \\|");
  /** Keys written as families, passed through to Ratis: not NodeConfigKeys. */
  private static final String RATIS_FAMILY = "ratis.<Ratis key>";

  private static Map<String, String> documented() throws IOException {
    Map<String, String> rows = new LinkedHashMap<>();
    Matcher row = ROW.matcher(Files.readString(PAGE));
    while (row.find()) {
      rows.put(row.group(1), row.group(2).trim());
    }
    assertTrue(rows.size() > 40, "read only " + rows.size() + " rows from " + PAGE.toAbsolutePath());
    return rows;
  }

  @Test
  void everyKeyIsDocumentedAndEveryDocumentedKeyExists() throws IOException {
    Map<String, String> rows = documented();
    List<String> missing = new ArrayList<>();
    for (ConfigKey<?> key : NodeConfigKeys.ALL) {
      if (!rows.containsKey(key.name())) {
        missing.add(key.name());
      }
    }
    assertEquals(List.of(), missing, "keys of NodeConfigKeys missing from " + PAGE);
    List<String> unknown = new ArrayList<>();
    for (String name : rows.keySet()) {
      if (!name.equals(RATIS_FAMILY)
          && NodeConfigKeys.ALL.stream().noneMatch(k -> k.name().equals(name))) {
        unknown.add(name);
      }
    }
    assertEquals(List.of(), unknown, "keys in " + PAGE + " that the node does not have");
  }

  /**
   * A default written as a plain value (a number, a word, in backquotes or not) is the code's.
   * Defaults written as prose ("(required)", "(unset: node.raft-port)") say there is none.
   */
  @Test
  void theDocumentedDefaultsAreTheCodes() throws IOException {
    Map<String, String> rows = documented();
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (ConfigKey<?> key : NodeConfigKeys.ALL) {
      String written = rows.get(key.name());
      if (written == null) {
        continue; // reported by the other test
      }
      String plain = written.replace("`", "");
      Object value = key.defaultValue();
      if (plain.startsWith("(") || plain.equals("empty")) {
        boolean none = value == null || value.toString().isEmpty()
            || value instanceof List<?> list && list.isEmpty();
        if (!none && !plain.startsWith("(unset")) {
          wrong.add(key.name() + ": written " + written + ", the code's default is " + value);
        }
        continue;
      }
      checked++;
      if (!sameValue(plain, value)) {
        wrong.add(key.name() + ": written " + written + ", the code's default is " + value);
      }
    }
    assertEquals(List.of(), wrong);
    assertTrue(checked > 30, "checked only " + checked + " defaults");
  }

  private static boolean sameValue(String written, Object value) {
    if (value == null) {
      return false;
    }
    if (value instanceof Double d) {
      return Double.parseDouble(written) == d;
    }
    return written.toLowerCase(Locale.ROOT).replace('-', '_')
        .equals(value.toString().toLowerCase(Locale.ROOT).replace('-', '_'));
  }
}
