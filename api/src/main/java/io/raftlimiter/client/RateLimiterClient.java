package io.raftlimiter.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A client for a raftlimiter cluster. Every call has a deadline; a call answered
 * {@code UNAVAILABLE} (a node down, a group without quorum) is retried on the next node until the
 * deadline or the attempt budget runs out. Other errors ({@code INVALID_ARGUMENT}, ...) are final.
 *
 * <p>Any node accepts any request and routes it to the owning group, so the client only needs to
 * know some nodes; by default calls take turns over them. A retried acquire may have been committed by the failed attempt: that costs the
 * caller tokens (under-admission), never an extra admission.
 */
public final class RateLimiterClient implements AutoCloseable {
  /** A full batch answer is ~0.4 MB; leave room above gRPC's 4 MB default all the same. */
  private static final int MAX_RESPONSE_BYTES = 16 << 20;
  private final List<ManagedChannel> channels;
  private final List<RateLimiterGrpc.RateLimiterStub> stubs;
  private final List<String> endpoints;
  private final Duration deadline;
  private final int maxAttempts;
  private final AtomicInteger preferred = new AtomicInteger();
  private final boolean roundRobin;

  private RateLimiterClient(List<String> endpoints, Duration deadline, int maxAttempts,
      boolean roundRobin) {
    this.endpoints = List.copyOf(endpoints);
    this.deadline = deadline;
    this.maxAttempts = maxAttempts;
    this.roundRobin = roundRobin;
    this.channels = new ArrayList<>();
    this.stubs = new ArrayList<>();
    for (String endpoint : endpoints) {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint)
          .usePlaintext()
          .directExecutor()
          .maxInboundMessageSize(MAX_RESPONSE_BYTES)
          .build();
      channels.add(channel);
      stubs.add(RateLimiterGrpc.newStub(channel));
    }
  }

  /** A client for {@code endpoints} ("host:port") with a 2 s deadline per call. */
  public static RateLimiterClient connect(List<String> endpoints) {
    return newBuilder().endpoints(endpoints).build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public List<String> endpoints() {
    return endpoints;
  }

  /** Takes one token from {@code key}'s bucket under the cluster's default limit. */
  public AcquireResponse acquire(String key) {
    return acquire(AcquireRequest.newBuilder().setKey(key).setPermits(1).build());
  }

  /** Blocking acquire; throws {@link StatusRuntimeException} when no node could decide. */
  public AcquireResponse acquire(AcquireRequest request) {
    return await(acquireAsync(request));
  }

  public AcquireBatchResponse acquireBatch(AcquireBatchRequest request) {
    return await(acquireBatchAsync(request));
  }

  public CompletableFuture<AcquireResponse> acquireAsync(AcquireRequest request) {
    return call((stub, observer) -> stub.acquire(request, observer));
  }

  public CompletableFuture<AcquireBatchResponse> acquireBatchAsync(AcquireBatchRequest request) {
    return call((stub, observer) -> stub.acquireBatch(request, observer));
  }

  private <T> CompletableFuture<T> call(BiConsumer<RateLimiterGrpc.RateLimiterStub, StreamObserver<T>> rpc) {
    CompletableFuture<T> result = new CompletableFuture<>();
    long deadlineNanos = System.nanoTime() + deadline.toNanos();
    int first = roundRobin ? preferred.getAndIncrement() : preferred.get();
    attempt(rpc, result, deadlineNanos, 1, first);
    return result;
  }

  private <T> void attempt(BiConsumer<RateLimiterGrpc.RateLimiterStub, StreamObserver<T>> rpc,
      CompletableFuture<T> result, long deadlineNanos, int attempt, int endpointIndex) {
    long remainingNanos = deadlineNanos - System.nanoTime();
    if (remainingNanos <= 0) {
      result.completeExceptionally(Status.DEADLINE_EXCEEDED
          .withDescription("no node decided within " + deadline.toMillis() + " ms").asRuntimeException());
      return;
    }
    int index = Math.floorMod(endpointIndex, stubs.size());
    RateLimiterGrpc.RateLimiterStub stub = stubs.get(index)
        .withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
    rpc.accept(stub, new StreamObserver<>() {
      private T value;

      @Override
      public void onNext(T next) {
        value = next;
      }

      @Override
      public void onError(Throwable t) {
        Status status = Status.fromThrowable(t);
        if (status.getCode() == Status.Code.UNAVAILABLE && attempt < maxAttempts) {
          int next = index + 1;
          if (!roundRobin) {
            preferred.compareAndSet(index, next % stubs.size());
          }
          attempt(rpc, result, deadlineNanos, attempt + 1, next);
        } else {
          result.completeExceptionally(t);
        }
      }

      @Override
      public void onCompleted() {
        result.complete(value);
      }
    });
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    return Status.fromThrowable(cause).asRuntimeException();
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : channels) {
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Options for {@link RateLimiterClient}. */
  public static final class Builder {
    private List<String> endpoints = List.of();
    private Duration deadline = Duration.ofSeconds(2);
    private int maxAttempts = -1;
    private boolean roundRobin = true;

    public Builder endpoints(List<String> hostPorts) {
      this.endpoints = List.copyOf(hostPorts);
      return this;
    }

    /** The deadline of a whole call, retries included. */
    public Builder deadline(Duration callDeadline) {
      if (callDeadline.isNegative() || callDeadline.isZero()) {
        throw new IllegalArgumentException("deadline must be > 0, got " + callDeadline);
      }
      this.deadline = callDeadline;
      return this;
    }

    /** Attempts per call, on different nodes; defaults to one more than the number of nodes. */
    public Builder maxAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be >= 1, got " + attempts);
      }
      this.maxAttempts = attempts;
      return this;
    }

    /**
     * Whether calls take turns over the nodes (the default, spreading the load), or all go to one
     * node until it fails.
     */
    public Builder roundRobin(boolean takeTurns) {
      this.roundRobin = takeTurns;
      return this;
    }

    public RateLimiterClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint (host:port) is needed");
      }
      int attempts = maxAttempts > 0 ? maxAttempts : endpoints.size() + 1;
      return new RateLimiterClient(endpoints, deadline, attempts, roundRobin);
    }
  }
}
