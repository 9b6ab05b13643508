package io.raftlimiter.server.data;

import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of a node, in one place, with the reason for each departure from Ratis'
 * defaults. Measured figures are in docs/BENCHMARKS.md.
 */
public final class RaftTuning {
  /** The least time between two appends to a follower (Ratis' default: 1 ms). */
  static final TimeDuration APPEND_WAIT_MIN = TimeDuration.valueOf(300, TimeUnit.MICROSECONDS);

  private RaftTuning() {}

  public static RaftProperties serverProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    GrpcConfigKeys.Server.setHost(p, config.bindHost());
    GrpcConfigKeys.Server.setPort(p, config.raftBindPort());
    RaftServerConfigKeys.setStorageDir(p,
        List.of(config.get(NodeConfigKeys.DATA_DIR).resolve("raft").toFile()));

    // Election timeouts: 150-300 ms (Ratis' default) fails over in ~0.6 s on 2 cores but risks
    // spurious elections when a GC pause or a busy core delays heartbeats; see DESIGN.md.
    RaftServerConfigKeys.Rpc.setTimeoutMin(p,
        millis(config.get(NodeConfigKeys.ELECTION_TIMEOUT_MIN_MS)));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p,
        millis(config.get(NodeConfigKeys.ELECTION_TIMEOUT_MAX_MS)));

    // Snapshots: automatic, and the log is purged up to them so a lagging follower gets a
    // snapshot instead of an unbounded log replay.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p,
        config.get(NodeConfigKeys.SNAPSHOT_THRESHOLD_ENTRIES));
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    // ... and a follower whose next entry is where the purged log starts gets the snapshot too,
    // which Ratis 3.2 would not send it (CatchUpLogAppender).
    RaftConfigKeys.Rpc.setType(p, new CatchUpRpcType());
    RaftServerConfigKeys.Log.setPurgeGap(p, config.get(NodeConfigKeys.LOG_PURGE_GAP));
    // Ratis purges closed segments only; Ratis' 32 MB segments would keep a lot of log (and
    // replay) around after a snapshot when entries are small.
    RaftServerConfigKeys.Log.setSegmentSizeMax(p,
        SizeInBytes.valueOf(config.get(NodeConfigKeys.LOG_SEGMENT_SIZE_MB) + "MB"));

    // Entries carry up to thousands of decisions (~50 bytes each, ~1 MB at the most): the
    // appender's default 4 MB batches hold several; segments are kept larger than Ratis' 32 MB
    // default would need only for much bigger entries.
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));

    // Ratis' log-metadata entries record the commit index in the log, so that a restarted
    // server can apply up to it before hearing from a leader; that costs an extra log entry (and
    // fsync) per commit. Raft needs no stored commit index: a restarted replica learns it from the
    // leader's next append, a few milliseconds later. Measured in docs/BENCHMARKS.md.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);

    // Ratis' appender holds an append back until raft.server.log.appender.wait-time.min has
    // passed since its last send to that follower. At a low rate the next entry is often cut
    // within a millisecond of the previous entry's send (its round takes about that), so with
    // Ratis' 1 ms nearly every entry waited out the rest of it on each follower (STRONG at 1,000
    // decisions/s open loop: median 4.7 ms, 1.3 ms with 300 µs). A short wait is kept, not none:
    // it still gathers entries that come close together into one append, and without it entries
    // of a few ops each took more CPU than 3,000/s left room for. Measured in
    // docs/BENCHMARKS.md.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, APPEND_WAIT_MIN);

    // A leader's appender waits between attempts to reach a failed follower as this policy says;
    // once the policy's attempts are spent, Ratis 3.2 waits 0 ms and the appender spins a core
    // for as long as the follower stays down (its default, "1ms,10, 1s,20, 5s,1000", is spent
    // within seconds under load, since every new entry wakes the appender for another attempt).
    // A last step that never runs out: a follower that comes back is reached within ~1 s at idle,
    // at once under load. Measured in docs/BENCHMARKS.md.
    RaftServerConfigKeys.Log.Appender.setRetryPolicy(p,
        "1ms,10, 100ms,50, 1s," + Integer.MAX_VALUE);

    config.ratisOverrides().forEach(p::set);
    return p;
  }

  /**
   * Ratis' parameters of this node's server: {@code transport}'s, and follower appends taken on
   * the event loop unless {@code raft.appends-on-event-loop} is false ({@link AppendsOnEventLoop}).
   */
  public static Parameters serverParameters(NodeConfig config, Parameters transport) {
    if ("true".equals(config.get(NodeConfigKeys.APPENDS_ON_EVENT_LOOP))) {
      GrpcConfigKeys.Server.setServicesCustomizer(transport, new AppendsOnEventLoop());
    }
    return transport;
  }

  /** Settings of the Raft client a node uses for admin calls (leadership transfers). */
  static RaftProperties clientProperties(NodeConfig config) {
    RaftProperties p = new RaftProperties();
    int timeoutMs = config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, millis(Math.max(100, timeoutMs / 3)));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("64MB"));
    return p;
  }

  /** Retries that fit in the request timeout; past it the caller answers UNAVAILABLE anyway. */
  static RetryPolicy clientRetryPolicy(NodeConfig config) {
    int timeoutMs = config.get(NodeConfigKeys.REQUEST_TIMEOUT_MS);
    int sleepMs = 50;
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(
        Math.max(1, timeoutMs / sleepMs), millis(sleepMs));
  }

  private static TimeDuration millis(long value) {
    return TimeDuration.valueOf(value, TimeUnit.MILLISECONDS);
  }
}
