package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.Executor;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.junit.jupiter.api.Test;

/** Only a follower's appends leave gRPC's executor; whatever waits for a disk keeps it. */
class AppendsOnEventLoopTest {
  @Test
  void appendsRunOnTheCallingThread() {
    Executor executor = AppendsOnEventLoop.executorFor(
        RaftServerProtocolServiceGrpc.getAppendEntriesMethod().getFullMethodName());
    assertNotNull(executor);
    Thread[] ranOn = new Thread[1];
    executor.execute(() -> ranOn[0] = Thread.currentThread());
    assertEquals(Thread.currentThread(), ranOn[0]);
  }

  @Test
  void votesSnapshotsAndTheRestKeepGrpcsExecutor() {
    assertNull(AppendsOnEventLoop.executorFor(
        RaftServerProtocolServiceGrpc.getRequestVoteMethod().getFullMethodName()));
    assertNull(AppendsOnEventLoop.executorFor(
        RaftServerProtocolServiceGrpc.getInstallSnapshotMethod().getFullMethodName()));
    assertNull(AppendsOnEventLoop.executorFor(
        RaftServerProtocolServiceGrpc.getStartLeaderElectionMethod().getFullMethodName()));
    assertNull(AppendsOnEventLoop.executorFor(
        RaftServerProtocolServiceGrpc.getReadIndexMethod().getFullMethodName()));
    assertNull(AppendsOnEventLoop.executorFor("ratis.common.RaftClientProtocolService/ordered"));
  }
}
