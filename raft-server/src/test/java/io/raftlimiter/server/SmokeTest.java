package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.*;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.client.RateLimiterClient;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {
  @TempDir Path dir;

  @Test
  void decides() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, dir, b -> {});
         RateLimiterClient client = RateLimiterClient.connect(cluster.endpoints())) {
      cluster.awaitLeader(Duration.ofSeconds(10));
      long t0 = System.nanoTime();
      int allowed = 0;
      for (int i = 0; i < 20; i++) {
        AcquireResponse r = client.acquire(AcquireRequest.newBuilder().setKey("k").setPermits(1)
            .setLimit(Limit.newBuilder().setCapacity(10).setRefillPerSecond(0.001)).build());
        if (r.getAllowed()) allowed++;
      }
      System.out.println("20 acquires in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
      assertEquals(10, allowed);
    }
  }
}
