package io.raftlimiter.testing;

import java.lang.reflect.Proxy;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/** A RaftServer that can only say who it is, which is all BaseStateMachine asks of it. */
public final class FakeRaftServer {
  private FakeRaftServer() {}

  public static RaftServer withId(RaftPeerId id) {
    return (RaftServer) Proxy.newProxyInstance(RaftServer.class.getClassLoader(),
        new Class<?>[] {RaftServer.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getId" -> id;
          case "toString" -> "fake-server-" + id;
          case "hashCode" -> System.identityHashCode(proxy);
          case "equals" -> proxy == args[0];
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
