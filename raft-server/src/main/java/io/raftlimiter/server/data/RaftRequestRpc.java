package io.raftlimiter.server.data;

import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.proto.RaftProtos.RaftClientReplyProto;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc.RaftClientProtocolServiceStub;
import org.apache.ratis.proto.grpc.RaftClientProtocolServiceGrpc;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * Sends one Raft client request, with the client and call id it already carries, to one server,
 * asynchronously, on a stream of its own.
 *
 * <p>Ratis' {@code RaftClient} picks its own call ids, so an entry it sends again after a leader
 * change cannot keep the ids of an earlier try made elsewhere; and its async streams are shared,
 * so one refused request fails every other request on the stream. Here each request has its own
 * short stream on a channel per server (gRPC multiplexes them on one connection), and the caller
 * decides what to resend under which ids.
 */
public final class RaftRequestRpc implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, RaftClientProtocolServiceStub> stubs = new ConcurrentHashMap<>();
  private final long attemptTimeoutMillis;
  private final NodeTransport transport;

  /** @param attemptTimeoutMillis how long one server may take to answer one request */
  public RaftRequestRpc(long attemptTimeoutMillis, NodeTransport transport) {
    this.attemptTimeoutMillis = attemptTimeoutMillis;
    this.transport = transport;
  }

  /** The server's reply, or an exception when it could not be reached or did not answer in time. */
  CompletableFuture<RaftClientReply> send(RaftClientRequest request, RaftPeer server) {
    CompletableFuture<RaftClientReplyProto> reply = new CompletableFuture<>();
    try {
      StreamObserver<RaftClientRequestProto> stream = stub(server)
          .withDeadlineAfter(attemptTimeoutMillis, TimeUnit.MILLISECONDS)
          .unordered(new StreamObserver<>() {
            @Override
            public void onNext(RaftClientReplyProto value) {
              reply.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              reply.completeExceptionally(new IOException(server.getId() + ": " + t, t));
            }

            @Override
            public void onCompleted() {
              reply.completeExceptionally(new IOException(server.getId() + " closed without a reply"));
            }
          });
      stream.onNext(ClientProtoUtils.toRaftClientRequestProto(request));
      stream.onCompleted();
    } catch (RuntimeException e) {
      reply.completeExceptionally(new IOException(server.getId() + ": " + e, e));
    }
    return reply.thenApply(ClientProtoUtils::toRaftClientReply);
  }

  private RaftClientProtocolServiceStub stub(RaftPeer server) {
    return stubs.computeIfAbsent(server.getAddress(), address -> {
      ManagedChannel channel = transport.toRaftPort(NettyChannelBuilder.forTarget(address))
          .maxInboundMessageSize(MAX_MESSAGE_BYTES)
          .build();
      channels.put(address, channel);
      return RaftClientProtocolServiceGrpc.newStub(channel);
    });
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
  }
}
