package io.raftlimiter.server.envoy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.server.runtime.DaemonThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The descriptor configuration in {@code envoy.config}: one YAML file, or every {@code .yaml}
 * and {@code .yml} file directly in a directory (one domain each, as Envoy's ratelimit service
 * keeps them). The files are read again every interval and the configuration replaced when their
 * text changed; comparing the text, not modification times, also sees an edit within the
 * filesystem's time resolution and a ConfigMap's symlink swap. A change that does not parse
 * keeps the last good configuration in use: logged and counted once (not on every check while
 * the files stay as they are), never half applied.
 */
public final class DescriptorConfigWatcher implements Supplier<DescriptorConfig>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DescriptorConfigWatcher.class);
  public static final String RELOADS_METRIC = "raftlimiter_envoy_config_reloads";
  public static final String RELOAD_FAILURES_METRIC = "raftlimiter_envoy_config_reload_failures";
  /**
   * Files larger than this are refused before they are read: a descriptor configuration is a
   * few kilobytes, and the parser takes no more characters than this holds in UTF-8.
   */
  static final long MAX_FILE_BYTES = 4L * DescriptorConfigParser.MAX_FILE_CODE_POINTS;

  private final Path location;
  private final CounterDataPoint reloads;
  private final CounterDataPoint reloadFailures;
  private final ScheduledExecutorService timer;
  private volatile DescriptorConfig current;
  private Map<String, String> loadedText;
  /** The text last refused, so that a bad file is reported once, not every interval. */
  private Map<String, String> refusedText;

  private DescriptorConfigWatcher(Path location, long intervalMillis, CounterDataPoint reloads,
      CounterDataPoint reloadFailures, CounterDataPoint taskFailures) throws IOException, DescriptorConfigException {
    this.location = location;
    this.reloads = reloads;
    this.reloadFailures = reloadFailures;
    this.loadedText = read(location);
    this.current = DescriptorConfigParser.parse(loadedText);
    LOG.info("Envoy descriptor limits read from {}: {} domain(s)", location,
        current.domainCount());
    if (intervalMillis > 0) {
      this.timer = DaemonThreads.timer("envoy-config-reload");
      DaemonThreads.every(timer, "envoy-config-reload", intervalMillis, intervalMillis,
          TimeUnit.MILLISECONDS, taskFailures, this::reloadIfChanged);
    } else {
      this.timer = null;
    }
  }

  /**
   * Reads the configuration at {@code location} and, with a positive interval, looks for changes
   * that often.
   *
   * @throws IOException when the files cannot be read
   * @throws DescriptorConfigException when they do not hold a valid configuration (a node must
   *     not start with limits other than those configured)
   */
  public static DescriptorConfigWatcher open(Path location, long intervalMillis, CounterDataPoint reloads,
      CounterDataPoint reloadFailures, CounterDataPoint taskFailures) throws IOException, DescriptorConfigException {
    return new DescriptorConfigWatcher(location, intervalMillis, reloads, reloadFailures,
        taskFailures);
  }

  @Override
  public DescriptorConfig get() {
    return current;
  }

  /** Reads the files again and installs them if their text changed; true if it did. */
  public synchronized boolean reloadIfChanged() {
    Map<String, String> text;
    DescriptorConfig parsed;
    try {
      text = read(location);
    } catch (IOException e) {
      refused(null, e.getMessage());
      return false;
    }
    if (text.equals(loadedText) || text.equals(refusedText)) {
      return false;
    }
    try {
      parsed = DescriptorConfigParser.parse(text);
    } catch (DescriptorConfigException e) {
      refused(text, e.getMessage());
      return false;
    }
    current = parsed;
    loadedText = text;
    refusedText = null;
    reloads.inc();
    LOG.info("Envoy descriptor limits reloaded from {}: {} domain(s)", location,
        parsed.domainCount());
    return true;
  }

  /** Reports a change that cannot be used, unless it is the one reported last. */
  private void refused(Map<String, String> text, String why) {
    if (text != null && text.equals(refusedText)) {
      return;
    }
    refusedText = text;
    reloadFailures.inc();
    LOG.error("Envoy descriptor configuration {} changed but cannot be used; the previous one "
        + "stays in use: {}", location, why);
  }

  /** The configuration files' text by file name, in name order. */
  static Map<String, String> read(Path location) throws IOException {
    List<Path> files;
    if (Files.isDirectory(location)) {
      try (Stream<Path> listed = Files.list(location)) {
        files = listed.filter(f -> {
          String name = f.getFileName().toString();
          return (name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".")
              && Files.isRegularFile(f);
        }).toList();
      }
    } else {
      files = List.of(location);
    }
    Map<String, String> text = new TreeMap<>();
    for (Path file : files) {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new IOException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      text.put(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
    }
    return text;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
