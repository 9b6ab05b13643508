package io.raftlimiter.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.routing.RouteHints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A client for a raftlimiter cluster. Every call has a deadline. A call answered
 * {@code UNAVAILABLE} (a node down, a group without quorum) moves at once to the next node; if
 * that fails too, further tries wait a jittered backoff. A call a node shed
 * ({@code RESOURCE_EXHAUSTED}, nothing taken) is tried again after the wait the node asked for,
 * plus jitter ({@link RetryPolicy}). Retries stop at the deadline, at {@code maxAttempts}, and
 * when the client's {@link RetryBudget} is spent (the first move to another node is free). Other
 * errors ({@code INVALID_ARGUMENT}, ...) are final.
 *
 * <p>Any node accepts any request and routes it to the owning group, so the client only needs to
 * know some nodes; by default calls take turns over them, and a single STRONG or LEASED acquire
 * goes straight to its group's leader when the client's cached view of the leaders names it
 * ({@link LeaderView}).
 *
 * <p>Retries are never charged twice: every request is sent with a {@code request_id} (one the
 * caller set, or a random one), kept across its retries, and an attempt that failed but was
 * committed all the same is recognised by its group, which answers the retry from it. A batch is
 * answered per entry; only the entries that failed {@code UNAVAILABLE} are sent again.
 */
public final class RateLimiterClient implements AutoCloseable {
  /** A full batch answer is ~0.4 MB; leave room above gRPC's 4 MB default all the same. */
  private static final int MAX_RESPONSE_BYTES = 16 << 20;
  private static final HexFormat HEX = HexFormat.of();
  /** The trailer in which a node that shed a call says when to try again (milliseconds). */
  static final Metadata.Key<String> RETRY_AFTER_MILLIS = RouteHints.RETRY_AFTER_MILLIS;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, RateLimiterGrpc.RateLimiterStub> stubs = new ConcurrentHashMap<>();
  private final List<String> endpoints;
  private final LeaderView leaders;
  private final Duration deadline;
  private final int maxAttempts;
  private final AtomicInteger preferred = new AtomicInteger();
  private final boolean roundRobin;
  private final ChannelCredentials credentials;
  private final Limit defaultLimit;
  private final FailurePolicy failurePolicy;
  private final Executor callbacks;
  private final AtomicLong undecided = new AtomicLong();
  private final RetryBudget budget;

  /** What {@link #tryAcquire} answers when no node can decide within the deadline. */
  public enum FailurePolicy {
    /** Refuse: the service behind the limiter is protected even when the limiter is not. */
    FAIL_CLOSED,
    /** Allow: the service stays available when the limiter is not. */
    FAIL_OPEN
  }

  private RateLimiterClient(Builder builder, int maxAttempts) {
    this.endpoints = List.copyOf(builder.endpoints);
    this.deadline = builder.deadline;
    this.maxAttempts = maxAttempts;
    this.roundRobin = builder.roundRobin;
    this.credentials = builder.credentials;
    this.defaultLimit = builder.defaultLimit;
    this.failurePolicy = builder.failurePolicy;
    this.callbacks = builder.callbacks;
    this.budget = new RetryBudget(builder.retryRatio, builder.retriesPerSecond, System::nanoTime);
    this.leaders = builder.routeToLeaders ? new LeaderView(this.endpoints, this::channel) : null;
    if (leaders != null) {
      leaders.refresh();
    }
  }

  /** A channel per node address, made on first use (leaders may be nodes not listed). */
  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, a -> Grpc.newChannelBuilder(a, credentials)
        .directExecutor()
        .maxInboundMessageSize(MAX_RESPONSE_BYTES)
        .build());
  }

  private RateLimiterGrpc.RateLimiterStub stub(String address) {
    return stubs.computeIfAbsent(address, a -> RateLimiterGrpc.newStub(channel(a)));
  }

  /** Whether this client has a view of the group leaders to route by (for tests and tools). */
  public boolean hasLeaderView() {
    return leaders != null && leaders.isLoaded();
  }

  /** A client for {@code endpoints} ("host:port") with a 2 s deadline per call. */
  public static RateLimiterClient connect(List<String> endpoints) {
    return newBuilder().endpoints(endpoints).build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * TLS credentials trusting the PEM authority in {@code caFile} and, with {@code certFile} and
   * {@code keyFile} (both or neither), presenting that certificate: for this client
   * ({@link Builder#tls}) and for any gRPC channel to a node.
   *
   * @throws UncheckedIOException when a file cannot be read
   */
  public static ChannelCredentials tlsCredentials(Path caFile, Path certFile, Path keyFile) {
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException("a client certificate needs its key, and a key its "
          + "certificate; got " + certFile + " and " + keyFile);
    }
    try {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder()
          .trustManager(caFile.toFile());
      if (certFile != null) {
        tls.keyManager(certFile.toFile(), keyFile.toFile());
      }
      return tls.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS files: " + e.getMessage(), e);
    }
  }

  public List<String> endpoints() {
    return endpoints;
  }

  /**
   * Whether one token may be taken from {@code key}'s bucket (and takes it), under the client's
   * default limit if it has one ({@link Builder#defaultLimit}), else the cluster's.
   *
   * @throws IllegalArgumentException when the cluster finds the request invalid
   */
  public boolean tryAcquire(String key) {
    return tryAcquire(key, 1);
  }

  /**
   * Whether {@code permits} tokens may be taken from {@code key}'s bucket (and takes them).
   * When no node can decide within the deadline (unavailable, overloaded or too slow), the
   * answer is the client's {@link FailurePolicy}: false (fail closed, the default) or true
   * (fail open); either way {@link #undecided()} counts it.
   *
   * @throws IllegalArgumentException when the cluster finds the request invalid
   * @throws StatusRuntimeException for any other failure, which no policy should hide (e.g. a
   *     certificate the cluster refuses: {@code UNAUTHENTICATED}, {@code PERMISSION_DENIED})
   */
  public boolean tryAcquire(String key, long permits) {
    try {
      return acquire(AcquireRequest.newBuilder().setKey(key).setPermits(permits).build())
          .getAllowed();
    } catch (StatusRuntimeException e) {
      switch (e.getStatus().getCode()) {
        case INVALID_ARGUMENT -> throw new IllegalArgumentException(
            e.getStatus().getDescription(), e);
        case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> {
          undecided.incrementAndGet();
          return failurePolicy == FailurePolicy.FAIL_OPEN;
        }
        default -> throw e;
      }
    }
  }

  /** Calls {@link #tryAcquire} answered by the {@link FailurePolicy}, no node having decided. */
  public long undecided() {
    return undecided.get();
  }

  /** Takes one token from {@code key}'s bucket under the client's or the cluster's default. */
  public AcquireResponse acquire(String key) {
    return acquire(AcquireRequest.newBuilder().setKey(key).setPermits(1).build());
  }

  /** Blocking acquire; throws {@link StatusRuntimeException} when no node could decide. */
  public AcquireResponse acquire(AcquireRequest request) {
    return await(decide(request));
  }

  public AcquireBatchResponse acquireBatch(AcquireBatchRequest request) {
    return await(decideBatch(request));
  }

  /**
   * The decision, later. The future completes on the client's callback executor
   * ({@link Builder#callbackExecutor}), never on a transport thread, so whatever is chained to
   * it may block.
   */
  public CompletableFuture<AcquireResponse> acquireAsync(AcquireRequest request) {
    return offTransport(decide(request));
  }

  /** The batch's decisions, later; completes like {@link #acquireAsync}. */
  public CompletableFuture<AcquireBatchResponse> acquireBatchAsync(AcquireBatchRequest request) {
    return offTransport(decideBatch(request));
  }

  private <T> CompletableFuture<T> offTransport(CompletableFuture<T> decided) {
    CompletableFuture<T> handedOver = new CompletableFuture<>();
    decided.whenComplete((value, error) -> {
      Runnable complete = () -> {
        if (error != null) {
          handedOver.completeExceptionally(error);
        } else {
          handedOver.complete(value);
        }
      };
      try {
        callbacks.execute(complete);
      } catch (RejectedExecutionException e) {
        complete.run(); // the executor is shut down or full: an answer on this thread beats none
      }
    });
    return handedOver;
  }

  private CompletableFuture<AcquireResponse> decide(AcquireRequest request) {
    AcquireRequest identified = identified(withDefaultLimit(request));
    // EVENTUAL is decided by whichever node takes the call: no leader to seek out. LEASED goes
    // to the leader like STRONG: a cold key is decided through the group's log, and keeping a
    // key on one node keeps its lease there instead of splitting it over every node.
    boolean decidedAnywhere = request.getConsistency() == Consistency.CONSISTENCY_EVENTUAL;
    String leader = leaders == null || decidedAnywhere ? null : leaders.leaderFor(request.getKey());
    return call(leader, System.nanoTime() + deadline.toNanos(),
        (stub, observer) -> stub.acquire(identified, observer));
  }

  private CompletableFuture<AcquireBatchResponse> decideBatch(AcquireBatchRequest request) {
    AcquireBatchRequest.Builder identified = AcquireBatchRequest.newBuilder();
    request.getRequestsList().forEach(entry ->
        identified.addRequests(identified(withDefaultLimit(entry))));
    return batchRound(identified.build(), System.nanoTime() + deadline.toNanos(), 1);
  }

  /**
   * Sends a batch, then once more (within the deadline and attempt budget) just its entries
   * that failed {@code UNAVAILABLE}, under their own request ids: the entries already decided
   * are not sent again, and a failed one that was in fact decided is answered from that.
   */
  private CompletableFuture<AcquireBatchResponse> batchRound(AcquireBatchRequest request,
      long deadlineNanos, int round) {
    // A batch spans groups: any node splits it; routing it whole to one leader buys little.
    return this.<AcquireBatchResponse>call(null, deadlineNanos,
        (stub, observer) -> stub.acquireBatch(request, observer)).thenCompose(response -> {
          List<Integer> unavailable = new ArrayList<>();
          for (int i = 0; i < response.getResponsesCount(); i++) {
            if (response.getResponses(i).getError().getCode() == Status.Code.UNAVAILABLE.value()) {
              unavailable.add(i);
            }
          }
          if (unavailable.isEmpty() || round >= maxAttempts
              || System.nanoTime() >= deadlineNanos) {
            return CompletableFuture.completedFuture(response);
          }
          AcquireBatchRequest.Builder again = AcquireBatchRequest.newBuilder();
          unavailable.forEach(i -> again.addRequests(request.getRequests(i)));
          return batchRound(again.build(), deadlineNanos, round + 1).handle((retried, error) -> {
            if (error != null) {
              return response; // those entries keep the error they got
            }
            AcquireBatchResponse.Builder merged = response.toBuilder();
            for (int j = 0; j < unavailable.size(); j++) {
              merged.setResponses(unavailable.get(j), retried.getResponses(j));
            }
            return merged.build();
          });
        });
  }

  /** {@code request} with the client's default limit when it carries none and there is one. */
  private AcquireRequest withDefaultLimit(AcquireRequest request) {
    return defaultLimit == null || request.hasLimit() ? request
        : request.toBuilder().setLimit(defaultLimit).build();
  }

  /** {@code request} with a request id: its own, or a new random one. */
  private static AcquireRequest identified(AcquireRequest request) {
    if (!request.getRequestId().isEmpty()) {
      return request;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return request.toBuilder()
        .setRequestId(HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong()))
        .build();
  }

  private <T> CompletableFuture<T> call(String leader, long deadlineNanos,
      BiConsumer<RateLimiterGrpc.RateLimiterStub, StreamObserver<T>> rpc) {
    CompletableFuture<T> result = new CompletableFuture<>();
    budget.called();
    int first = roundRobin ? preferred.getAndIncrement() : preferred.get();
    attempt(rpc, result, deadlineNanos, 1, first, leader);
    return result;
  }

  /**
   * One try: at the group's leader when the view names one (first attempt only), else at the
   * endpoint whose turn it is; {@code UNAVAILABLE} moves on to the next endpoint.
   */
  private <T> void attempt(BiConsumer<RateLimiterGrpc.RateLimiterStub, StreamObserver<T>> rpc,
      CompletableFuture<T> result, long deadlineNanos, int attempt, int endpointIndex,
      String leader) {
    long remainingNanos = deadlineNanos - System.nanoTime();
    if (remainingNanos <= 0) {
      result.completeExceptionally(Status.DEADLINE_EXCEEDED
          .withDescription("no node decided within " + deadline.toMillis() + " ms").asRuntimeException());
      return;
    }
    int index = Math.floorMod(endpointIndex, endpoints.size());
    String address = leader != null ? leader : endpoints.get(index);
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    RateLimiterGrpc.RateLimiterStub stub = stub(address)
        .withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS)
        .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
    rpc.accept(stub, new StreamObserver<>() {
      private T value;

      @Override
      public void onNext(T next) {
        value = next;
      }

      @Override
      public void onError(Throwable t) {
        Status.Code code = Status.fromThrowable(t).getCode();
        long delayMillis = attempt < maxAttempts
            ? RetryPolicy.delayBefore(attempt + 1, code, retryAfterMillis(t),
                ThreadLocalRandom.current().nextDouble())
            : RetryPolicy.NEVER;
        boolean free = attempt == 1 && RetryPolicy.movesOn(code); // failing over costs nothing
        if (delayMillis == RetryPolicy.NEVER
            || System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis) >= deadlineNanos
            || !free && !budget.tryRetry()) {
          result.completeExceptionally(t);
          return;
        }
        int next = index;
        String retryAt = leader;
        if (RetryPolicy.movesOn(code)) {
          if (leaders != null) {
            leaders.refresh(); // the leader we were told of may be down
          }
          next = otherThan(address, leader != null ? index : index + 1);
          retryAt = null;
          if (!roundRobin) {
            preferred.compareAndSet(index, next % endpoints.size());
          }
        }
        int nextIndex = next;
        String nextLeader = retryAt;
        Runnable retry = () -> attempt(rpc, result, deadlineNanos, attempt + 1, nextIndex,
            nextLeader);
        if (delayMillis == 0) {
          retry.run();
        } else {
          CompletableFuture.delayedExecutor(delayMillis, TimeUnit.MILLISECONDS).execute(retry);
        }
      }

      @Override
      public void onCompleted() {
        Metadata received = trailers.get();
        if (leaders != null && received != null && received.containsKey(RouteHints.VIEW_STALE)) {
          leaders.refresh();
        }
        result.complete(value);
      }
    });
  }

  /**
   * The first endpoint from {@code from} on (in turn) that is not {@code failed}: a call that
   * failed at a group's leader moves to another node, not to the same one listed again.
   */
  private int otherThan(String failed, int from) {
    for (int i = 0; i < endpoints.size(); i++) {
      int candidate = from + i;
      if (!endpoints.get(Math.floorMod(candidate, endpoints.size())).equals(failed)) {
        return candidate;
      }
    }
    return from; // only that node is known
  }

  /** The wait a shedding node asked for ({@code retry-after-millis}), or -1 when none. */
  private static long retryAfterMillis(Throwable error) {
    Metadata trailers = Status.trailersFromThrowable(error);
    String millis = trailers == null ? null : trailers.get(RETRY_AFTER_MILLIS);
    if (millis == null) {
      return -1;
    }
    try {
      return Math.max(0, Long.parseLong(millis));
    } catch (NumberFormatException e) {
      return -1;
    }
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
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : channels.values()) {
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
    private boolean routeToLeaders = true;
    private ChannelCredentials credentials = InsecureChannelCredentials.create();
    private Limit defaultLimit;
    private FailurePolicy failurePolicy = FailurePolicy.FAIL_CLOSED;
    private Executor callbacks = ForkJoinPool.commonPool();
    private double retryRatio = 0.2;
    private double retriesPerSecond = 10;

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

    /**
     * Whether single STRONG and LEASED acquires go straight to their group's leader, by a view
     * fetched from the nodes and refreshed when a node says it had to forward (the default).
     * EVENTUAL acquires go to the endpoints as given: any node decides them locally.
     */
    public Builder routeToLeaders(boolean route) {
      this.routeToLeaders = route;
      return this;
    }

    /**
     * Connects with TLS: the nodes' certificates must lead to {@code caFile}; with
     * {@code certFile} and {@code keyFile} (PEM; both or neither) the client presents its own
     * certificate, which nodes with {@code security.client-auth=require} (the default with TLS)
     * ask for. A certificate whose subject is in the nodes' {@code security.admin-subjects} also
     * has the admin role.
     *
     * @throws UncheckedIOException when a file cannot be read
     */
    public Builder tls(Path caFile, Path certFile, Path keyFile) {
      this.credentials = tlsCredentials(caFile, certFile, keyFile);
      return this;
    }

    /**
     * The limit of requests that carry none (and of {@link #tryAcquire}); without it, such
     * requests run under the cluster's rules and default.
     */
    public Builder defaultLimit(long capacity, double refillPerSecond) {
      if (capacity < 1 || !(refillPerSecond > 0)) {
        throw new IllegalArgumentException("a default limit needs capacity >= 1 and refill > 0, "
            + "got " + capacity + " and " + refillPerSecond);
      }
      this.defaultLimit = Limit.newBuilder().setCapacity(capacity)
          .setRefillPerSecond(refillPerSecond).build();
      return this;
    }

    /** What {@link #tryAcquire} answers when no node decides (default: fail closed). */
    public Builder failurePolicy(FailurePolicy policy) {
      this.failurePolicy = java.util.Objects.requireNonNull(policy);
      return this;
    }

    /**
     * Where the futures of {@link #acquireAsync} and {@link #acquireBatchAsync} complete
     * (default: the common fork-join pool), so that callbacks never run on a transport thread.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbacks = java.util.Objects.requireNonNull(executor);
      return this;
    }

    /**
     * Bounds retries beyond a call's first move to another node: each call earns {@code ratio}
     * of a retry and {@code perSecond} come in regardless (defaults 0.2 and 10), so a cluster in
     * trouble sees at most about a fifth more calls, not a storm. 0 and 0: only the free move.
     */
    public Builder retryBudget(double ratio, double perSecond) {
      if (!(ratio >= 0) || !(perSecond >= 0)) {
        throw new IllegalArgumentException("retryBudget needs ratio >= 0 and perSecond >= 0, got "
            + ratio + " and " + perSecond);
      }
      this.retryRatio = ratio;
      this.retriesPerSecond = perSecond;
      return this;
    }

    /** The channel credentials to connect with (default: plaintext); see also {@link #tls}. */
    public Builder credentials(ChannelCredentials channelCredentials) {
      this.credentials = java.util.Objects.requireNonNull(channelCredentials);
      return this;
    }

    public RateLimiterClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one endpoint (host:port) is needed");
      }
      int attempts = maxAttempts > 0 ? maxAttempts : endpoints.size() + 1;
      return new RateLimiterClient(this, attempts);
    }
  }
}
