package io.raftlimiter.server.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Ratis' metric names as a scrape gives them: snake_case, seconds, ids as labels. */
class RatisMetricNameTest {
  private static final List<String> PEERS = List.of("n1", "n2", "n3", "num");

  private static RatisMetricName of(String component, String metric) {
    return RatisMetricName.of("ratis", component, metric, PEERS);
  }

  @Test
  void camelCaseBecomesSnakeCase() {
    assertEquals("ratis_leader_election_election_count",
        of("leader_election", "electionCount").name());
    assertEquals("ratis_log_worker_closed_segments_size_in_bytes",
        of("log_worker", "closedSegmentsSizeInBytes").name());
    assertEquals("ratis_server_num_watch_all_committed_request_in_queue",
        of("server", "numWatch_ALL_COMMITTEDRequestInQueue").name());
  }

  @Test
  void aPeerInTheNameBecomesALabel() {
    RatisMetricName match = of("log_appender", "follower_n2_match_index");
    assertEquals("ratis_log_appender_follower_match_index", match.name());
    assertEquals("n2", match.peer());
    RatisMetricName latency = of("grpc_log_appender", "n3_latency_heartbeat");
    assertEquals("ratis_grpc_log_appender_latency_heartbeat", latency.name());
    assertEquals("n3", latency.peer());
    assertEquals("ratis_server_peer_commit_index", of("server", "n1_peerCommitIndex").name());
    RatisMetricName plain = of("grpc_log_appender", "num_requests");
    assertEquals("ratis_grpc_log_appender_num_requests", plain.name(),
        "a node named like a word of a metric does not take the metric apart");
    assertNull(plain.peer());
  }

  @Test
  void elapsedMillisecondsBecomeSeconds() {
    RatisMetricName heartbeat = of("server", "n2_lastHeartbeatElapsedTime");
    assertEquals("ratis_server_last_heartbeat_elapsed_seconds", heartbeat.name());
    assertEquals("n2", heartbeat.peer());
    assertEquals(1e-3, heartbeat.scale());
    assertEquals("ratis_log_appender_follower_rpc_response_seconds",
        of("log_appender", "follower_n3_rpc_response_time").name());
    assertEquals(1, of("log_worker", "flushCount").scale());
  }

  @Test
  void gRpcMessageCountersCarryServiceMethodAndCodeAsLabels() {
    RatisMetricName completed = of("server_message_metrics",
        "n1_ratis_grpc_RaftClientProtocolService_unordered_OK_completed");
    assertEquals("ratis_server_messages_completed", completed.name());
    assertEquals("n1", completed.peer());
    assertEquals("RaftClientProtocolService", completed.service());
    assertEquals("unordered", completed.method());
    assertEquals("OK", completed.code());
    RatisMetricName started = of("server_message_metrics",
        "n1_ratis_grpc_AdminProtocolService_setConfiguration_started_total");
    assertEquals("ratis_server_messages_started", started.name());
    assertEquals("setConfiguration", started.method());
    assertNull(started.code());
  }
}
