package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.server.api.Decisions;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst far beyond what the groups' queues may hold: every call is answered (decided, or shed
 * with RESOURCE_EXHAUSTED and when to retry), nothing shed was consumed, and the cluster serves
 * normally afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class OverloadTest {
  private static final long CAPACITY = 1_000_000;

  @TempDir Path dir;
  private ClusterFixture fixture;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aBurstBeyondTheQueueIsShedWithNothingConsumed() throws Exception {
    fixture = ClusterFixture.start(dir, b -> b.set(NodeConfigKeys.ADMISSION_MAX_QUEUED_OPS, 8));
    List<RateLimiterGrpc.RateLimiterFutureStub> nodes = new ArrayList<>();
    for (String endpoint : fixture.cluster().endpoints()) {
      ManagedChannel channel = ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
      channels.add(channel);
      nodes.add(RateLimiterGrpc.newFutureStub(channel));
    }
    int calls = 3_000;
    Map<Status.Code, AtomicLong> outcomes = new EnumMap<>(Status.Code.class);
    AtomicLong retryHints = new AtomicLong();
    List<CompletableFuture<Void>> answered = new ArrayList<>();
    for (int i = 0; i < calls; i++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      answered.add(done);
      var call = nodes.get(i % nodes.size()).withDeadlineAfter(30, TimeUnit.SECONDS)
          .acquire(request("burst", CAPACITY, 0.001));
      call.addListener(() -> {
        Status.Code code;
        try {
          AcquireResponse response = call.get();
          code = response.getAllowed() ? Status.Code.OK : Status.Code.FAILED_PRECONDITION;
        } catch (Exception e) {
          Status status = Status.fromThrowable(e);
          code = status.getCode();
          Metadata trailers = Status.trailersFromThrowable(e);
          if (code == Status.Code.RESOURCE_EXHAUSTED && trailers != null
              && trailers.get(Decisions.RETRY_AFTER_MILLIS) != null) {
            retryHints.incrementAndGet();
          }
        }
        synchronized (outcomes) {
          outcomes.computeIfAbsent(code, c -> new AtomicLong()).incrementAndGet();
        }
        done.complete(null);
      }, Runnable::run);
    }
    CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    long allowed = count(outcomes, Status.Code.OK);
    long shed = count(outcomes, Status.Code.RESOURCE_EXHAUSTED);
    assertEquals(calls, allowed + shed, "every call allowed or shed, nothing else: " + outcomes);
    assertTrue(shed > 0, "a queue of 8 cannot hold a burst of " + calls + ": " + outcomes);
    assertEquals(shed, retryHints.get(), "every shed call says when to retry");

    // Nothing shed was consumed: the bucket holds exactly what the allowed calls left.
    AcquireResponse after = fixture.client(0).acquire(request("burst", CAPACITY, 0.001));
    assertTrue(after.getAllowed());
    assertEquals(CAPACITY - allowed - 1, after.getRemaining(), outcomes.toString());
  }

  private static long count(Map<Status.Code, AtomicLong> outcomes, Status.Code code) {
    AtomicLong n = outcomes.get(code);
    return n == null ? 0 : n.get();
  }
}
