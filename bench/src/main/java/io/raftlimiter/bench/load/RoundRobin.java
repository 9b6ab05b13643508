package io.raftlimiter.bench.load;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Hands out the items of a fixed list in turn, to spread calls over nodes or connections. */
public final class RoundRobin<T> {
  private final List<T> items;
  private final AtomicInteger turn = new AtomicInteger();

  public RoundRobin(List<T> items) {
    if (items.isEmpty()) {
      throw new IllegalArgumentException("nothing to take turns over");
    }
    this.items = List.copyOf(items);
  }

  public T next() {
    return items.get(Math.floorMod(turn.getAndIncrement(), items.size()));
  }
}
