package io.raftlimiter.bench.redis;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Hands out the items of a fixed list in turn, to spread calls over connections. */
final class RoundRobin<T> {
  private final List<T> items;
  private final AtomicInteger turn = new AtomicInteger();

  RoundRobin(List<T> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to take turns over");
    }
    this.items = List.copyOf(items);
  }

  T next() {
    return items.get(Math.floorMod(turn.getAndIncrement(), items.size()));
  }
}
