package io.raftlimiter.server.data;

import java.util.EnumSet;
import java.util.concurrent.Executor;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.grpc.RaftServerProtocolServiceGrpc;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.ServerCall;
import org.apache.ratis.thirdparty.io.grpc.ServerCallExecutorSupplier;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyServerBuilder;

/**
 * Ratis' gRPC server runs a follower's {@code appendEntries} on the event loop that read it,
 * instead of handing every message to gRPC's executor first: one thread wake-up less per append
 * on every follower, which is on the path of every Raft round.
 *
 * <p>Why it is safe for that method only: a follower's append validates the entries, adds them to
 * the log's cache and queues their write to the log worker, then answers from that worker once
 * they are written; it does not wait for the disk on the calling thread. A vote
 * ({@code requestVote}) persists the term and vote before it answers, and a snapshot install
 * writes its chunks, both on the calling thread: those, and every other method, keep gRPC's
 * executor, so that nothing that waits for a disk runs on an event loop.
 */
final class AppendsOnEventLoop implements GrpcServices.Customizer {
  private static final String APPEND_ENTRIES =
      RaftServerProtocolServiceGrpc.getAppendEntriesMethod().getFullMethodName();
  private static final Executor ON_CALLING_THREAD = Runnable::run;

  @Override
  public NettyServerBuilder customize(NettyServerBuilder builder,
      EnumSet<GrpcServices.Type> types) {
    return builder.callExecutor(new ServerCallExecutorSupplier() {
      @Override
      public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call,
          Metadata metadata) {
        return executorFor(call.getMethodDescriptor().getFullMethodName());
      }
    });
  }

  /** The executor of a call to {@code fullMethodName}; null for gRPC's own. */
  static Executor executorFor(String fullMethodName) {
    return APPEND_ENTRIES.equals(fullMethodName) ? ON_CALLING_THREAD : null;
  }
}
