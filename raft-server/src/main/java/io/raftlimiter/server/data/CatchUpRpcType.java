package io.raftlimiter.server.data;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis' gRPC transport with {@link CatchUpLogAppender}s as the leader's appenders. Ratis
 * instantiates an {@link RpcType} named in its properties by class name, hence the public
 * no-argument constructor.
 */
public final class CatchUpRpcType implements RpcType {
  public CatchUpRpcType() {}

  @Override
  public String name() {
    return CatchUpRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  private static final class Factory extends GrpcFactory {
    Factory(Parameters parameters) {
      super(parameters);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState leaderState,
        FollowerInfo follower) {
      return new CatchUpLogAppender(server, leaderState, follower);
    }
  }
}
