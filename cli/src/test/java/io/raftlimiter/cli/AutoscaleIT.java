package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.cli.RlctlProcess.Run;
import io.raftlimiter.client.RateLimiterClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rlctl autoscale} as a process beside a 3-node cluster: sustained load above the high
 * mark adds a fourth node; when the load stops, the added node is drained again, and the
 * founding three stay.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class AutoscaleIT {
  @TempDir Path work;
  private Path clusterDir;
  private Process autoscaler;

  @AfterEach
  void stopEverything() throws Exception {
    if (autoscaler != null) {
      autoscaler.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    RlctlProcess.downIfUp(clusterDir);
  }

  @Test
  void loadAddsANodeAndQuietDrainsIt() throws Exception {
    clusterDir = work.resolve("cluster");
    Run up = RlctlProcess.run("cluster", "up", "--nodes", "3", "--groups", "3", "--dir",
        clusterDir.toString(), "--jvm-opts", "-Xmx192m -XX:TieredStopAtLevel=1");
    assertEquals(0, up.exitCode(), up.out());
    List<String> addresses = new ArrayList<>();
    for (String line : Files.readAllLines(clusterDir.resolve("endpoints"))) {
      addresses.add(line.split(" ")[1]);
    }
    Path log = work.resolve("autoscale.log");
    autoscaler = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "-Xmx192m", "-jar", System.getProperty("rlctl.jar"), "autoscale",
        "--dir", clusterDir.toString(), "--high", "20", "--low", "5", "--window", "4",
        "--min-nodes", "3", "--max-nodes", "4", "--jvm-opts", "-Xmx192m -XX:TieredStopAtLevel=1")
        .redirectErrorStream(true).redirectOutput(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();

    AtomicBoolean loading = new AtomicBoolean(true);
    try (RateLimiterClient client = RateLimiterClient.newBuilder().endpoints(addresses)
        .deadline(Duration.ofSeconds(10)).build()) {
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        Semaphore inFlight = new Semaphore(8);
        int i = 0;
        while (loading.get()) {
          inFlight.acquireUninterruptibly();
          client.acquireAsync(AcquireRequest.newBuilder().setKey("k" + (i++ % 500)).build())
              .whenComplete((r, e) -> inFlight.release());
        }
        inFlight.acquireUninterruptibly(8);
      });
      await("a fourth node added under load", log, () -> lines() == 4);
      loading.set(false);
      load.join();
    }
    // The autoscaler reports a drain only after remove-node returned, which is after the node
    // left the endpoints file, so the report is what to wait for.
    await("the added node drained once the load stopped", log,
        () -> logText(log).contains("load low: drained n4"));
    assertEquals(3, lines());
    String out = Files.readString(log);
    assertTrue(out.contains("load high: added n4"), out);
    assertTrue(out.contains("n4 drained, removed and stopped"), out);
  }

  private static String logText(Path log) {
    try {
      return Files.readString(log);
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private long lines() {
    try {
      return Files.readAllLines(clusterDir.resolve("endpoints")).stream()
          .filter(l -> !l.isBlank()).count();
    } catch (Exception e) {
      return -1;
    }
  }

  private static void await(String what, Path log, BooleanSupplier condition) throws Exception {
    Await.until(Duration.ofSeconds(150), Duration.ofMillis(500), condition, () -> {
      try {
        return what + "; autoscaler said:\n" + Files.readString(log);
      } catch (java.io.IOException e) {
        return what + "; autoscaler log unreadable: " + e;
      }
    });
  }
}
