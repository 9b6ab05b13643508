package io.raftlimiter.server;

import static io.raftlimiter.server.ClusterFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.config.NodeConfigKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership handed from node to node while acquires stream in through every node. A planned
 * transfer must fail no call, and must not apply any entry twice: an entry the outgoing leader
 * had appended may be committed by the next one, so a careless resend would take its tokens
 * again. Afterwards the bucket holds exactly its capacity minus the permits allowed.
 */
@Tag("cluster")
class LeadershipTransferTest {
  private static final long CAPACITY = 1_000_000_000L;
  private static final double NO_REFILL = 1e-6; // the minimum: under a thousandth of a token here
  private static final int TRANSFERS = 6;
  private static final int IN_FLIGHT = 48;

  @TempDir Path dir;

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void transfersUnderLoadFailNoCallAndTakeNoTokenTwice() throws Exception {
    try (ClusterFixture fixture = ClusterFixture.start(dir,
        b -> b.set(NodeConfigKeys.LEADER_BALANCE_INTERVAL_MS, 0))) {
      var cluster = fixture.cluster();
      // One attempt per call: a client-side retry would hide a failed call (and take twice).
      List<RateLimiterClient> clients = new ArrayList<>();
      for (String endpoint : cluster.endpoints()) {
        clients.add(RateLimiterClient.newBuilder().endpoints(List.of(endpoint))
            .deadline(ClusterFixture.CLIENT_DEADLINE).maxAttempts(1).build());
      }
      AcquireRequest acquire = request("handed-over", CAPACITY, NO_REFILL);
      AtomicLong allowed = new AtomicLong();
      Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
      Semaphore inFlight = new Semaphore(IN_FLIGHT);
      List<CompletableFuture<?>> calls = new ArrayList<>();

      // Transfers run beside the load, so that calls also arrive while a leader hands over.
      CompletableFuture<Void> transfers = CompletableFuture.runAsync(() -> {
        try {
          // A transfer may not take (an election on a busy machine picks another leader):
          // what counts is that TRANSFERS of them happen under load.
          int done = 0;
          for (int attempt = 0; done < TRANSFERS; attempt++) {
            assertTrue(attempt < 3 * TRANSFERS, "only " + done + " transfers took in " + attempt);
            Thread.sleep(300);
            int leader = fixture.awaitLeader();
            String target = cluster.node((leader + 1) % cluster.size()).id();
            if (cluster.node(leader).internals()
                .transferLeadership(0, target, Duration.ofSeconds(10))) {
              done++;
            }
          }
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      });
      int sent = 0;
      while (!transfers.isDone()) {
        inFlight.acquire();
        calls.add(clients.get(sent++ % clients.size()).acquireAsync(acquire)
            .whenComplete((response, error) -> {
              inFlight.release();
              if (error != null) {
                failures.add(error);
              } else if (response.getAllowed()) {
                allowed.incrementAndGet();
              }
            }));
      }
      transfers.join();
      for (CompletableFuture<?> call : calls) {
        call.exceptionally(e -> null).join();
      }

      assertTrue(failures.isEmpty(), failures.size() + " of " + calls.size()
          + " calls failed during planned transfers, first: " + failures.peek());
      assertEquals(calls.size(), allowed.get(), "a bucket of a billion allows every call");
      AcquireResponse last = fixture.client(0).acquire(acquire);
      assertEquals(CAPACITY - allowed.get() - 1, last.getRemaining(),
          "tokens taken = permits allowed: no entry applied twice across " + TRANSFERS
              + " transfers and " + calls.size() + " calls");
      clients.forEach(RateLimiterClient::close);
    }
  }
}
