package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.retry.MultipleLinearRandomRetry;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftTuningTest {
  @TempDir Path dir;

  private NodeConfig config() {
    return NodeConfig.newBuilder()
        .set(NodeConfigKeys.NODE_ID, "n1")
        .set(NodeConfigKeys.DATA_DIR, dir)
        .set(NodeConfigKeys.RAFT_PORT, 7000)
        .set(NodeConfigKeys.CLIENT_PORT, 7001)
        .set("security.allow-insecure", "true")
        .build();
  }

  /**
   * Ratis 3.2's log appender waits between attempts to reach a failed follower as its retry
   * policy says, and once the policy's attempts are spent it waits 0 ms: with Ratis' default
   * policy, a leader spun a whole core on the appender of a follower that had been down for
   * 1,030 attempts (seconds under load), for as long as it stayed down.
   */
  @Test
  void theAppenderWaitsBeforeEveryRetryToAFailedFollowerHoweverLongItIsDown() {
    RaftProperties properties = RaftTuning.serverProperties(config());
    // Parsed as Ratis' GrpcLogAppender parses it.
    MultipleLinearRandomRetry policy = MultipleLinearRandomRetry.parseCommaSeparated(
        RaftServerConfigKeys.Log.Appender.retryPolicy(properties));
    for (int errors : new int[] {1, 10, 11, 1_030, 1_031, 100_000, Integer.MAX_VALUE}) {
      RetryPolicy.Action action = policy.handleAttemptFailure(() -> errors);
      assertTrue(action.getSleepTime().toLong(TimeUnit.NANOSECONDS) > 0,
          "after " + errors + " failed attempts the appender retries at once");
    }
    long longest = policy.handleAttemptFailure(() -> Integer.MAX_VALUE).getSleepTime()
        .toLong(TimeUnit.MILLISECONDS);
    // A follower that comes back is reached again within about that (plus a heartbeat).
    assertTrue(longest <= 1_500, "waits " + longest + " ms between attempts");
  }

  /**
   * With Ratis' 1 ms between appends, an entry cut within a millisecond of the previous entry's
   * send waited for the rest of it on every follower.
   */
  @Test
  void anAppenderSendsTheNextEntryWithinAMillisecondOfItsLastSend() {
    TimeDuration wait = RaftServerConfigKeys.Log.Appender.waitTimeMin(
        RaftTuning.serverProperties(config()));
    assertEquals(300, wait.toLong(TimeUnit.MICROSECONDS), "as Ratis reads it back: " + wait);
  }

  @Test
  void anOperatorsRatisSettingOverridesTheAppendersWait() {
    NodeConfig config = config().toBuilder()
        .set("ratis.raft.server.log.appender.wait-time.min", "1ms").build();
    TimeDuration wait = RaftServerConfigKeys.Log.Appender.waitTimeMin(
        RaftTuning.serverProperties(config));
    assertEquals(1, wait.toLong(TimeUnit.MILLISECONDS));
  }
}
