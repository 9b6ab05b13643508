package io.raftlimiter.server.envoy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The descriptor limits a node answers Envoy by: those of {@code envoy.config}, watched for
 * changes, or none when it is unset. A node opens it before anything else, so that a file it
 * cannot use stops the node before it formats storage or founds a group.
 */
public final class EnvoyLimits implements Supplier<DescriptorConfig>, AutoCloseable {
  /** Null when {@code envoy.config} is unset. */
  private final DescriptorConfigWatcher watcher;

  private EnvoyLimits(DescriptorConfigWatcher watcher) {
    this.watcher = watcher;
  }

  /**
   * @throws ConfigException when the files cannot be read or used
   */
  public static EnvoyLimits open(NodeConfig config, NodeMetrics metrics) {
    // Registered (at 0) without Envoy limits too: dashboards and alerts read them on every node.
    CounterDataPoint reloads = metrics.counter(DescriptorConfigWatcher.RELOADS_METRIC,
        "Envoy descriptor configurations reloaded");
    CounterDataPoint reloadFailures = metrics.counter(DescriptorConfigWatcher.RELOAD_FAILURES_METRIC,
        "Envoy descriptor configuration changes refused (the last good one kept)");
    Path location = config.get(NodeConfigKeys.ENVOY_CONFIG);
    if (location == null) {
      return new EnvoyLimits(null);
    }
    try {
      return new EnvoyLimits(DescriptorConfigWatcher.open(location,
          config.get(NodeConfigKeys.ENVOY_CONFIG_RELOAD_INTERVAL_MS),
          reloads, reloadFailures, metrics.taskFailures()));
    } catch (IOException | DescriptorConfigException e) {
      throw new ConfigException("envoy.config: " + e.getMessage());
    }
  }

  @Override
  public DescriptorConfig get() {
    return watcher == null ? DescriptorConfig.EMPTY : watcher.get();
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.close();
    }
  }
}
