package io.raftlimiter.client;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.raftlimiter.api.v1.GetRoutesRequest;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import io.raftlimiter.api.v1.Routes;
import io.raftlimiter.routing.KeyToGroup;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The client's cached view of where each group's leader is, so that an acquire goes straight to
 * the node that decides it. Fetched from any node by the public {@code GetRoutes} call; refreshed, at most one fetch at a time and not
 * more often than every {@value #MIN_REFRESH_MILLIS} ms, when a node says it had to forward a
 * call. A stale or missing view costs a hop, never a wrong answer: every node forwards.
 */
final class LeaderView {
  static final long MIN_REFRESH_MILLIS = 100;

  private record Snapshot(KeyToGroup keyToGroup, List<String> leaders) {}

  private final List<String> endpoints;
  private final Function<String, ManagedChannel> channels;
  private final AtomicBoolean fetching = new AtomicBoolean();
  private final AtomicInteger nextSource = new AtomicInteger();
  private volatile Snapshot snapshot;
  private volatile long lastFetchNanos;

  LeaderView(List<String> endpoints, Function<String, ManagedChannel> channels) {
    this.endpoints = endpoints;
    this.channels = channels;
  }

  /** The client address of the leader of {@code key}'s group, or null when unknown. */
  String leaderFor(String key) {
    Snapshot current = snapshot;
    if (current == null) {
      return null;
    }
    String leader = current.leaders().get(current.keyToGroup().groupOf(key));
    return leader.isEmpty() ? null : leader;
  }

  /** Whether a view has been fetched. */
  boolean isLoaded() {
    return snapshot != null;
  }

  /** Starts a fetch unless one is under way or the last one was moments ago. */
  void refresh() {
    long now = System.nanoTime();
    if (now - lastFetchNanos < TimeUnit.MILLISECONDS.toNanos(MIN_REFRESH_MILLIS)
        && snapshot != null) {
      return;
    }
    if (!fetching.compareAndSet(false, true)) {
      return;
    }
    lastFetchNanos = now;
    String source = endpoints.get(Math.floorMod(nextSource.getAndIncrement(), endpoints.size()));
    RateLimiterGrpc.newStub(channels.apply(source))
        .withDeadlineAfter(2, TimeUnit.SECONDS)
        .getRoutes(GetRoutesRequest.getDefaultInstance(), new StreamObserver<>() {
          @Override
          public void onNext(Routes view) {
            if (view.getGroups() > 0 && view.getLeaderAddressesCount() == view.getGroups()) {
              snapshot = new Snapshot(new KeyToGroup(view.getGroups()),
                  List.copyOf(view.getLeaderAddressesList()));
            }
          }

          @Override
          public void onError(Throwable t) {
            fetching.set(false); // the next stale hint or failure tries another node
          }

          @Override
          public void onCompleted() {
            fetching.set(false);
          }
        });
  }
}
