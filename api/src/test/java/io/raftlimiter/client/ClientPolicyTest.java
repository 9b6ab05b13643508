package io.raftlimiter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code tryAcquire} under the client's default limit and failure policy, and async answers
 * handed to the callback executor.
 */
class ClientPolicyTest {
  private final List<Server> servers = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  /** A node that allows a request whose key is "ok", refuses others, and records them all. */
  private String node(List<AcquireRequest> seen) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new RateLimiterGrpc.RateLimiterImplBase() {
          @Override
          public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
            seen.add(request);
            if (request.getKey().equals("forbidden")) {
              observer.onError(Status.PERMISSION_DENIED.withDescription("not yours")
                  .asRuntimeException());
              return;
            }
            if (request.getKey().isEmpty()) {
              observer.onError(Status.INVALID_ARGUMENT.withDescription("key must not be empty")
                  .asRuntimeException());
              return;
            }
            observer.onNext(AcquireResponse.newBuilder()
                .setAllowed(request.getKey().equals("ok")).build());
            observer.onCompleted();
          }
        }).build().start();
    servers.add(server);
    return "127.0.0.1:" + server.getPort();
  }

  @Test
  void tryAcquireCarriesTheDefaultLimitAndAnswersTheDecision() throws Exception {
    List<AcquireRequest> seen = new CopyOnWriteArrayList<>();
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(List.of(node(seen))).defaultLimit(50, 5).routeToLeaders(false).build()) {
      assertTrue(client.tryAcquire("ok"));
      assertFalse(client.tryAcquire("other", 3));
      assertEquals(50, seen.get(0).getLimit().getCapacity());
      assertEquals(5.0, seen.get(0).getLimit().getRefillPerSecond());
      assertEquals(3, seen.get(1).getPermits());
      IllegalArgumentException invalid = assertThrows(IllegalArgumentException.class,
          () -> client.tryAcquire(""));
      assertTrue(invalid.getMessage().contains("key must not be empty"));
      assertEquals(0, client.undecided());
    }
  }

  /** A refusal of the caller itself is no outage: no failure policy hides it. */
  @Test
  void aRefusedCallerIsToldEvenWhenFailingOpen() throws Exception {
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(List.of(node(new CopyOnWriteArrayList<>())))
        .failurePolicy(RateLimiterClient.FailurePolicy.FAIL_OPEN).routeToLeaders(false).build()) {
      StatusRuntimeException denied = assertThrows(StatusRuntimeException.class,
          () -> client.tryAcquire("forbidden"));
      assertEquals(Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
      assertEquals(0, client.undecided());
    }
  }

  @Test
  void withNoNodeTheFailurePolicyAnswersAndIsCounted() throws Exception {
    String nowhere;
    try (ServerSocket socket = new ServerSocket(0)) {
      nowhere = "127.0.0.1:" + socket.getLocalPort(); // closed again: nothing listens there
    }
    for (RateLimiterClient.FailurePolicy policy : RateLimiterClient.FailurePolicy.values()) {
      try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(nowhere))
          .deadline(Duration.ofMillis(500)).failurePolicy(policy).routeToLeaders(false).build()) {
        assertEquals(policy == RateLimiterClient.FailurePolicy.FAIL_OPEN, client.tryAcquire("k"),
            policy.name());
        assertEquals(1, client.undecided());
      }
    }
  }

  @Test
  void asyncAnswersCompleteOnTheCallbackExecutor() throws Exception {
    ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> new Thread(r, "callbacks"));
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(List.of(node(new CopyOnWriteArrayList<>()))).callbackExecutor(callbacks)
        .routeToLeaders(false).build()) {
      String thread = client.acquireAsync(AcquireRequest.newBuilder().setKey("ok").build())
          .thenApply(answer -> Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
      assertEquals("callbacks", thread);
    } finally {
      callbacks.shutdownNow();
    }
  }
}
