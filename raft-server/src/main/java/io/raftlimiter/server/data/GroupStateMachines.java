package io.raftlimiter.server.data;

import io.raftlimiter.meta.MetadataStateMachine;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.statemachine.RateLimiterStateMachine;
import io.raftlimiter.statemachine.TimeSource;
import io.raftlimiter.store.RocksDbMemory;
import io.raftlimiter.store.WriteBehindBucketStore;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.statemachine.StateMachine;

/**
 * The state machine each replica of a node runs, chosen by its group: the metadata group's, or a
 * data group's over a bucket store. Handed to the Raft server rather than built per group by the
 * node, because Ratis makes one whenever it recovers a group from storage or is added to one.
 *
 * <p>Owns the native memory the data groups' stores share ({@code storage.cache-mb},
 * {@code storage.memtable-mb}); closed after the Raft server, and the memory is freed once the
 * last group's store is closed.
 */
public final class GroupStateMachines implements StateMachine.Registry, AutoCloseable {
  private final RocksDbMemory memory;
  private final int retainedSnapshots;
  private final long skewAllowanceNanos;

  private GroupStateMachines(RocksDbMemory memory, int retainedSnapshots,
      long skewAllowanceNanos) {
    this.memory = memory;
    this.retainedSnapshots = retainedSnapshots;
    this.skewAllowanceNanos = skewAllowanceNanos;
  }

  /**
   * @throws IllegalArgumentException when the memtables may take more than the cache: they are
   *     charged to it
   */
  public static GroupStateMachines open(NodeConfig config) {
    int cacheMb = config.get(NodeConfigKeys.STORAGE_CACHE_MB);
    int memtableMb = config.get(NodeConfigKeys.STORAGE_MEMTABLE_MB);
    if (memtableMb > cacheMb) {
      throw new IllegalArgumentException(NodeConfigKeys.STORAGE_MEMTABLE_MB.name() + "="
          + memtableMb + " must be at most " + NodeConfigKeys.STORAGE_CACHE_MB.name() + "="
          + cacheMb + ": memtables are charged to the cache");
    }
    return new GroupStateMachines(
        new RocksDbMemory((long) cacheMb << 20, (long) memtableMb << 20),
        config.get(NodeConfigKeys.SNAPSHOTS_RETAINED),
        TimeUnit.MILLISECONDS.toNanos(config.get(NodeConfigKeys.CLOCK_SKEW_ALLOWANCE_MS)));
  }

  @Override
  public StateMachine apply(RaftGroupId groupId) {
    return groupId.equals(ClusterGroups.metaGroupId())
        ? new MetadataStateMachine()
        : new RateLimiterStateMachine(TimeSource.system(), retainedSnapshots,
            WriteBehindBucketStore.DEFAULT_MAX_PENDING_KEYS, skewAllowanceNanos, memory);
  }

  @Override
  public void close() {
    memory.close();
  }
}
