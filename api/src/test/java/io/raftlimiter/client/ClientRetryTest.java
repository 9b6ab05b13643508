package io.raftlimiter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.GetRoutesRequest;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.api.v1.Routes;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client's retries carry the request ids of the first attempt, so the cluster can answer a
 * retry of a request it had in fact decided from that decision; a batch is retried only in the
 * entries that failed.
 */
class ClientRetryTest {
  private final List<Server> servers = new CopyOnWriteArrayList<>();

  /** A node that records every request it gets and answers through {@code behaviour}. */
  private String node(RateLimiterGrpc.RateLimiterImplBase behaviour) throws Exception {
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(behaviour).build().start();
    servers.add(server);
    return "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stop() {
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void aRetriedAcquireKeepsItsRequestId() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    String down = node(new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        seen.add(request.getRequestId());
        observer.onError(Status.UNAVAILABLE.withDescription("no quorum").asRuntimeException());
      }
    });
    String up = node(new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        seen.add(request.getRequestId());
        observer.onNext(AcquireResponse.newBuilder().setAllowed(true).build());
        observer.onCompleted();
      }
    });
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(down, up))
        .deadline(Duration.ofSeconds(5)).build()) {
      assertTrue(client.acquire("k").getAllowed());
      assertEquals(2, seen.size(), seen.toString());
      assertFalse(seen.get(0).isEmpty(), "the client gives every request an id");
      assertEquals(seen.get(0), seen.get(1), "the retry carries the first attempt's id");

      client.acquire(AcquireRequest.newBuilder().setKey("k").setRequestId("mine").build());
      assertTrue(seen.subList(2, seen.size()).stream().allMatch("mine"::equals),
          "a caller's own id is kept: " + seen);
    }
  }

  @Test
  void aBatchIsRetriedOnlyInTheEntriesThatFailedUnavailable() throws Exception {
    List<AcquireBatchRequest> seen = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    String node = node(new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquireBatch(AcquireBatchRequest request,
          StreamObserver<AcquireBatchResponse> observer) {
        seen.add(request);
        boolean first = calls.getAndIncrement() == 0;
        AcquireBatchResponse.Builder answer = AcquireBatchResponse.newBuilder();
        for (AcquireRequest entry : request.getRequestsList()) {
          boolean fails = first && !entry.getKey().equals("decided");
          answer.addResponses(fails
              ? AcquireResponse.newBuilder().setError(com.google.rpc.Status.newBuilder()
                  .setCode(entry.getKey().equals("shed")
                      ? Status.Code.RESOURCE_EXHAUSTED.value() : Status.Code.UNAVAILABLE.value())
                  .setMessage("failed")).build()
              : AcquireResponse.newBuilder().setAllowed(true).setRemaining(7).build());
        }
        observer.onNext(answer.build());
        observer.onCompleted();
      }
    });
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(node))
        .maxAttempts(3).deadline(Duration.ofSeconds(5)).build()) {
      AcquireBatchResponse answer = client.acquireBatch(AcquireBatchRequest.newBuilder()
          .addRequests(AcquireRequest.newBuilder().setKey("decided"))
          .addRequests(AcquireRequest.newBuilder().setKey("lost"))
          .addRequests(AcquireRequest.newBuilder().setKey("shed"))
          .build());

      assertEquals(2, seen.size(), "one retry round");
      assertEquals(List.of("lost"), seen.get(1).getRequestsList().stream()
          .map(AcquireRequest::getKey).toList(), "only the UNAVAILABLE entry is sent again");
      assertEquals(seen.get(0).getRequests(1).getRequestId(),
          seen.get(1).getRequests(0).getRequestId(), "under its first id");
      assertTrue(answer.getResponses(0).getAllowed());
      assertTrue(answer.getResponses(1).getAllowed(), "the retried entry's answer is merged in");
      assertFalse(answer.getResponses(1).hasError());
      assertEquals(Status.Code.RESOURCE_EXHAUSTED.value(),
          answer.getResponses(2).getError().getCode(), "not retried: its caller decides when");
    }
  }

  /** A shed call is tried again on the same node, no sooner than the node asked. */
  @Test
  void aShedAcquireIsRetriedAfterTheWaitTheNodeAskedFor() throws Exception {
    List<Long> arrivals = new CopyOnWriteArrayList<>();
    String node = node(new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        arrivals.add(System.nanoTime());
        if (arrivals.size() == 1) {
          Metadata trailers = new Metadata();
          trailers.put(RateLimiterClient.RETRY_AFTER_MILLIS, "80");
          observer.onError(Status.RESOURCE_EXHAUSTED.withDescription("queue full")
              .asRuntimeException(trailers));
          return;
        }
        observer.onNext(AcquireResponse.newBuilder().setAllowed(true).build());
        observer.onCompleted();
      }
    });
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(List.of(node))
        .deadline(Duration.ofSeconds(5)).build()) {
      assertTrue(client.acquire("k").getAllowed());
      assertEquals(2, arrivals.size());
      long waitedMillis = (arrivals.get(1) - arrivals.get(0)) / 1_000_000;
      assertTrue(waitedMillis >= 80, "retried after " + waitedMillis + " ms");
    }
  }

  /** Beyond the free move to another node, retries spend the client's budget. */
  @Test
  void anEmptyRetryBudgetLeavesOnlyTheMoveToAnotherNode() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    RateLimiterGrpc.RateLimiterImplBase unavailable = new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        attempts.incrementAndGet();
        observer.onError(Status.UNAVAILABLE.withDescription("no quorum").asRuntimeException());
      }
    };
    List<String> nodes = List.of(node(unavailable), node(unavailable), node(unavailable));
    try (RateLimiterClient budgeted = RateLimiterClient.newBuilder().endpoints(nodes)
        .retryBudget(0, 0).deadline(Duration.ofSeconds(5)).build()) {
      assertThrows(StatusRuntimeException.class, () -> budgeted.acquire("k"));
      assertEquals(2, attempts.get(), "the first attempt and the free move");
    }
    attempts.set(0);
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(nodes)
        .deadline(Duration.ofSeconds(5)).build()) {
      assertThrows(StatusRuntimeException.class, () -> client.acquire("k"));
      assertEquals(4, attempts.get(), "one more than the nodes, within the default budget");
    }
  }

  /**
   * A call that fails at its group's leader moves to another node. It used to move to the
   * endpoint whose turn it was, which could be that same leader again: with no retry budget
   * left, the call then failed although another node would have decided it.
   */
  @Test
  void aCallThatFailsAtTheLeaderMovesToAnotherNode() throws Exception {
    String[] self = new String[1];
    RateLimiterGrpc.RateLimiterImplBase down = new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        observer.onError(Status.UNAVAILABLE.withDescription("stopping").asRuntimeException());
      }

      @Override
      public void getRoutes(GetRoutesRequest request, StreamObserver<Routes> observer) {
        observer.onNext(Routes.newBuilder().setGroups(1).addLeaderAddresses(self[0]).build());
        observer.onCompleted();
      }
    };
    self[0] = node(down);
    String up = node(new RateLimiterGrpc.RateLimiterImplBase() {
      @Override
      public void acquire(AcquireRequest request, StreamObserver<AcquireResponse> observer) {
        observer.onNext(AcquireResponse.newBuilder().setAllowed(true).build());
        observer.onCompleted();
      }
    });
    try (RateLimiterClient client = RateLimiterClient.newBuilder()
        .endpoints(List.of(self[0], up)).retryBudget(0, 0)
        .deadline(Duration.ofSeconds(5)).build()) {
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (!client.hasLeaderView() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(client.hasLeaderView(), "the client fetched the routes");
      for (int i = 0; i < 4; i++) {
        assertTrue(client.acquire("k" + i).getAllowed(), "call " + i);
      }
    }
  }
}
