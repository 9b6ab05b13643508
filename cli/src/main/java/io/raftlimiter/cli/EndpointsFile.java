package io.raftlimiter.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code D/endpoints}: one line per running node, {@code <node-id> <host:port> <pid>}, for scripts
 * and for {@code cluster down}. Written whole to a temp file and moved into place.
 */
final class EndpointsFile {
  static final String FILE = "endpoints";

  record Entry(String nodeId, String clientAddress, long pid) {}

  private EndpointsFile() {}

  static List<Entry> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    List<Entry> entries = new ArrayList<>();
    if (!Files.exists(file)) {
      return entries;
    }
    for (String line : Files.readAllLines(file)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 3) {
        try {
          entries.add(new Entry(parts[0], parts[1], Long.parseLong(parts[2])));
        } catch (NumberFormatException e) {
          throw new IOException(file + ": bad pid in line '" + line + "'");
        }
      } else if (!line.isBlank()) {
        throw new IOException(file + ": bad line '" + line + "'");
      }
    }
    return entries;
  }

  static void write(Path dir, List<Entry> entries) throws IOException {
    StringBuilder text = new StringBuilder();
    for (Entry e : entries) {
      text.append(e.nodeId()).append(' ').append(e.clientAddress()).append(' ').append(e.pid())
          .append('\n');
    }
    Path temp = dir.resolve(FILE + ".tmp");
    Files.writeString(temp, text);
    Files.move(temp, dir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE));
  }
}
