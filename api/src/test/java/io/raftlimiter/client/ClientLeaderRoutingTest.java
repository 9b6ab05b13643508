package io.raftlimiter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.GetRoutesRequest;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.api.v1.Routes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which node a single acquire is sent to, by consistency: STRONG and LEASED to the key's group
 * leader named by the view, EVENTUAL to the endpoints as given.
 */
class ClientLeaderRoutingTest {
  private final List<Server> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  /**
   * A node that allows every acquire and records its key in {@code seen}; its routes (a single
   * group) name {@code leader}, or this node itself when {@code leader} is null. It serves the
   * public service only: a client routes by the public contract.
   */
  private String node(List<String> seen, String leader) throws Exception {
    Server[] self = new Server[1];
    self[0] = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new RateLimiterGrpc.RateLimiterImplBase() {
          @Override
          public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
            seen.add(request.getKey());
            observer.onNext(AcquireResponse.newBuilder().setAllowed(true).build());
            observer.onCompleted();
          }

          @Override
          public void getRoutes(GetRoutesRequest request, StreamObserver<Routes> observer) {
            String address = leader != null ? leader : "127.0.0.1:" + self[0].getPort();
            observer.onNext(Routes.newBuilder().setGroups(1).addLeaderAddresses(address).build());
            observer.onCompleted();
          }
        }).build().start();
    servers.add(self[0]);
    return "127.0.0.1:" + self[0].getPort();
  }

  private static AcquireRequest acquire(String key, Consistency consistency) {
    return AcquireRequest.newBuilder().setKey(key).setConsistency(consistency).build();
  }

  @Test
  void strongAndLeasedGoToTheLeaderEventualToTheEndpoints() throws Exception {
    List<String> atLeader = new CopyOnWriteArrayList<>();
    List<String> atEntry = new CopyOnWriteArrayList<>();
    String leader = node(atLeader, null);
    // The client knows only the entry node; the leader is learnt from its view.
    String entry = node(atEntry, leader);
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(entry))
        .deadline(Duration.ofSeconds(5)).build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!client.hasLeaderView() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(client.hasLeaderView(), "the client fetched a view");

      client.acquire(acquire("strong", Consistency.CONSISTENCY_STRONG));
      client.acquire(acquire("leased", Consistency.CONSISTENCY_LEASED));
      client.acquire(acquire("eventual", Consistency.CONSISTENCY_EVENTUAL));
      assertEquals(List.of("strong", "leased"), atLeader, "sent to the leader");
      assertEquals(List.of("eventual"), atEntry, "sent to the endpoints");
    }
  }
}
