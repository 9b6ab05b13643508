package io.raftlimiter.testing;

import io.raftlimiter.store.BucketStore;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A store's contents as readable lines, in visiting order, for comparing two stores. */
public final class StoreDump {
  private StoreDump() {}

  public static List<String> of(BucketStore store) {
    List<String> lines = new ArrayList<>();
    store.forEach((key, state) -> lines.add(HexFormat.of().formatHex(key) + " -> " + state));
    return lines;
  }
}
