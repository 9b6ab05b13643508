package io.raftlimiter.testing;

import io.raftlimiter.store.DurableFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A {@link DurableFiles.Sync} that forces nothing and records each call in order, with whether
 * the path existed then (and a directory's entries): enough to check that bytes are forced
 * before a rename and the directory after it.
 */
public final class RecordingSync implements DurableFiles.Sync {
  /** One call: {@code kind} is "file" or "dir". */
  public record Call(String kind, Path path, boolean existed) {}

  private final List<Call> calls = new ArrayList<>();
  private final List<List<String>> listings = new ArrayList<>();

  public DurableFiles durableFiles() {
    return new DurableFiles(this);
  }

  @Override
  public synchronized void file(Path file) {
    calls.add(new Call("file", file.toAbsolutePath(), Files.isRegularFile(file)));
    listings.add(List.of());
  }

  @Override
  public synchronized void directory(Path dir) {
    calls.add(new Call("dir", dir.toAbsolutePath(), Files.isDirectory(dir)));
    listings.add(names(dir));
  }

  private static List<String> names(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The names in the directory forced by call {@code index}, as they were then. */
  public synchronized List<String> listingAt(int index) {
    return listings.get(index);
  }

  public synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  public synchronized void clear() {
    calls.clear();
    listings.clear();
  }

  /** The position of the first call of {@code kind} on {@code path}, or -1. */
  public synchronized int indexOf(String kind, Path path) {
    for (int i = 0; i < calls.size(); i++) {
      Call call = calls.get(i);
      if (call.kind().equals(kind) && call.path().equals(path.toAbsolutePath())) {
        return i;
      }
    }
    return -1;
  }
}
