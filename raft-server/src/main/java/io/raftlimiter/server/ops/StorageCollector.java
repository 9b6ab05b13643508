package io.raftlimiter.server.ops;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file system that holds the node's data directory, read at scrape time: its size and the
 * bytes this process may still write ({@code raftlimiter_storage_size_bytes},
 * {@code raftlimiter_storage_free_bytes}), so that a disk filling up alerts before RocksDB or the
 * Raft log fail a write. A scrape that cannot read them leaves both out and says why once.
 */
public final class StorageCollector implements MultiCollector {
  private static final Logger LOG = LoggerFactory.getLogger(StorageCollector.class);
  private final Path dataDir;
  private volatile boolean warned;

  public StorageCollector(Path dataDir) {
    this.dataDir = dataDir;
  }

  @Override
  public MetricSnapshots collect() {
    try {
      FileStore store = Files.getFileStore(dataDir);
      return new MetricSnapshots(List.of(
          gauge("raftlimiter_storage_size_bytes",
              "size of the file system holding the node's data directory", store.getTotalSpace()),
          gauge("raftlimiter_storage_free_bytes",
              "bytes the node may still write on the file system holding its data directory",
              store.getUsableSpace())));
    } catch (IOException | RuntimeException e) {
      if (!warned) {
        warned = true;
        LOG.warn("cannot read the file system of {}: {}; its metrics are left out", dataDir,
            e.toString());
      }
      return new MetricSnapshots(List.of());
    }
  }

  private static GaugeSnapshot gauge(String name, String help, double value) {
    return GaugeSnapshot.builder().name(name).help(help)
        .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
  }
}
