package io.raftlimiter.server;

import io.grpc.Status;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Keeps a fixed number of async acquires outstanding through each chosen node's single-endpoint
 * client, cycling over a list of requests, and records every outcome with the wall-clock times
 * it was sent and answered. The wall clock is the one the leader stamps entries with, so the
 * times bound the stamps of the decisions.
 */
final class RecordingLoad implements AutoCloseable {
  /** One answered call: a response, or the status code it failed with. */
  record Outcome(int node, String key, long sentNanos, long answeredNanos,
      AcquireResponse response, Status.Code error, String errorDescription) {
    boolean allowed() {
      return response != null && response.getAllowed();
    }
  }

  private final ClusterFixture fixture;
  private final List<AcquireRequest> requests;
  private final int outstandingPerNode;
  private final Driver[] drivers;
  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

  RecordingLoad(ClusterFixture fixture, List<AcquireRequest> requests, int outstandingPerNode) {
    this.fixture = fixture;
    this.requests = List.copyOf(requests);
    this.outstandingPerNode = outstandingPerNode;
    this.drivers = new Driver[fixture.cluster().size()];
  }

  /** Wall-clock nanoseconds since the epoch, as {@code TimeSource.system()} reads them. */
  static long wallNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  void start(int node) {
    Driver driver = new Driver(node);
    drivers[node] = driver;
    driver.thread.start();
  }

  /** Sends nothing more through {@code node}; calls already sent still complete. */
  void halt(int node) throws InterruptedException {
    Driver driver = drivers[node];
    if (driver != null) {
      driver.running = false;
      driver.thread.join();
    }
  }

  /**
   * Halts every driver and waits until every call sent has been answered; fails if one stays
   * unanswered past {@code timeout} (the client deadline ends every call well before).
   */
  void stopAndDrain(Duration timeout) throws InterruptedException {
    for (int node = 0; node < drivers.length; node++) {
      halt(node);
    }
    for (Driver driver : drivers) {
      if (driver != null
          && !driver.slots.tryAcquire(outstandingPerNode, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError((outstandingPerNode - driver.slots.availablePermits())
            + " calls through node " + driver.node + " still unanswered after " + timeout.toSeconds()
            + " s\n" + fixture.describe());
      }
    }
  }

  List<Outcome> outcomes() {
    return new ArrayList<>(outcomes);
  }

  long count(Predicate<Outcome> filter) {
    return outcomes.stream().filter(filter).count();
  }

  /** Halts every driver without waiting for the calls in flight (the client deadline ends them). */
  @Override
  public void close() {
    try {
      for (int node = 0; node < drivers.length; node++) {
        halt(node);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Driver implements Runnable {
    final int node;
    final Semaphore slots = new Semaphore(outstandingPerNode);
    final Thread thread;
    volatile boolean running = true;

    Driver(int node) {
      this.node = node;
      this.thread = new Thread(this, "load-n" + node);
      this.thread.setDaemon(true);
    }

    @Override
    public void run() {
      long sent = node; // nodes start at different keys
      while (running) {
        try {
          if (!slots.tryAcquire(50, TimeUnit.MILLISECONDS)) {
            continue;
          }
        } catch (InterruptedException e) {
          return;
        }
        if (!running) {
          slots.release();
          return;
        }
        AcquireRequest request = requests.get((int) (sent++ % requests.size()));
        long sentNanos = wallNanos();
        CompletableFuture<AcquireResponse> call;
        try {
          call = fixture.client(node).acquireAsync(request);
        } catch (RuntimeException e) {
          call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((response, error) -> {
          Status status = error == null ? null : Status.fromThrowable(error);
          outcomes.add(new Outcome(node, request.getKey(), sentNanos, wallNanos(),
              error == null ? response : null, status == null ? null : status.getCode(),
              status == null ? null : status.getDescription()));
          slots.release();
        });
      }
    }
  }
}
