package io.raftlimiter.server.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor.Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A directory of configuration files is read whole, changes are taken when their text changes,
 * and a change that does not parse keeps the configuration in use and is counted.
 */
class DescriptorConfigWatcherTest {
  @TempDir Path dir;

  @Test
  void takesChangesAndKeepsTheLastGoodConfiguration() throws Exception {
    Files.writeString(dir.resolve("edge.yaml"), limit("edge", 5));
    Files.writeString(dir.resolve("notes.txt"), "not configuration");
    Files.writeString(dir.resolve(".hidden.yaml"), "not: [yaml");
    Counter reloads = Counter.builder().name("test").build();
    Counter failures = Counter.builder().name("test").build();
    try (DescriptorConfigWatcher watcher = DescriptorConfigWatcher.open(dir, 0, reloads,
        failures, Counter.builder().name("test").build())) {
      assertEquals(5, perUnit(watcher, "edge"));
      assertFalse(watcher.reloadIfChanged(), "nothing changed");

      Files.writeString(dir.resolve("edge.yaml"), limit("edge", 6));
      Files.writeString(dir.resolve("api.yml"), limit("api", 9));
      assertTrue(watcher.reloadIfChanged());
      assertEquals(6, perUnit(watcher, "edge"), "the same size and second still counts");
      assertEquals(9, perUnit(watcher, "api"));
      assertEquals(1, reloads.getLongValue());

      Files.writeString(dir.resolve("edge.yaml"), "domain: edge\ndescriptors: [{key: k, "
          + "rate_limit: {unit: lightyear, requests_per_unit: 1}}]\n");
      assertFalse(watcher.reloadIfChanged());
      assertEquals(6, perUnit(watcher, "edge"), "the last good configuration stays");
      assertEquals(1, failures.getLongValue());
      assertFalse(watcher.reloadIfChanged());
      assertEquals(1, failures.getLongValue(), "the same bad file is reported once");

      Files.delete(dir.resolve("api.yml"));
      Files.writeString(dir.resolve("edge.yaml"), limit("edge", 7));
      assertTrue(watcher.reloadIfChanged());
      assertEquals(7, perUnit(watcher, "edge"));
      assertFalse(watcher.get().governs("api"), "a deleted file's domain is gone");
    }
  }

  @Test
  void refusesToStartOnABadFile() throws Exception {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, "domain: edge\ndescriptors: [{key: k, rate_limit: {}}]\n");
    DescriptorConfigException e = assertThrows(DescriptorConfigException.class,
        () -> DescriptorConfigWatcher.open(file, 0, Counter.builder().name("test").build(), Counter.builder().name("test").build(), Counter.builder().name("test").build()));
    assertTrue(e.getMessage().startsWith(file + ": descriptors[0].rate_limit.unit must be set"),
        e.getMessage());
  }

  @Test
  @Timeout(value = 30, unit = TimeUnit.SECONDS)
  void anAliasBombKeepsTheLastGoodConfigurationAndStopsAStart() throws Exception {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, limit("edge", 5));
    Counter failures = Counter.builder().name("test").build();
    try (DescriptorConfigWatcher watcher = DescriptorConfigWatcher.open(file, 0, Counter.builder().name("test").build(),
        failures, Counter.builder().name("test").build())) {
      Files.writeString(file, AliasBombs.doubling(25));
      assertFalse(watcher.reloadIfChanged());
      assertEquals(5, perUnit(watcher, "edge"), "the last good configuration stays");
      assertEquals(1, failures.getLongValue());
    }
    DescriptorConfigException e = assertThrows(DescriptorConfigException.class,
        () -> DescriptorConfigWatcher.open(file, 0, Counter.builder().name("test").build(), Counter.builder().name("test").build(), Counter.builder().name("test").build()));
    assertTrue(e.getMessage().startsWith(file + ": the descriptors expand to more than "
        + DescriptorConfigParser.MAX_DESCRIPTORS + " descriptors"), e.getMessage());
  }

  private static String limit(String domain, int perUnit) {
    return "domain: " + domain + "\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, "
        + "requests_per_unit: " + perUnit + "}\n";
  }

  private static long perUnit(DescriptorConfigWatcher watcher, String domain) {
    return watcher.get().limitOf(domain, List.of(Entry.newBuilder().setKey("k").setValue("v")
        .build())).requestsPerUnit();
  }
}
