package io.raftlimiter.bench.fuzz;

import io.grpc.Channel;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Limit;
import io.raftlimiter.api.v1.RateLimiterGrpc;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code request_id} sent again and again to a node with
 * {@code limit.request-override=deny}, each time carrying a limit far looser than the
 * operator's. A replay is the same op, so it must be answered as the first was and take nothing
 * more; and under {@code deny} every answer must apply the operator's limit. Fresh ids then find
 * exactly the rest of the bucket: the key was admitted its capacity in all, never more.
 */
final class ReplayedIdCheck {
  static final int REPLAYS = 200;
  /** Far above any operator's limit here: under deny it must make no difference. */
  private static final Limit LOOSE = Limit.newBuilder().setCapacity(1_000_000)
      .setRefillPerSecond(1_000_000).build();

  private ReplayedIdCheck() {}

  /** Whether it held, for a node whose operator's limit is {@code capacity} and no refill. */
  static boolean run(Channel channel, long seed, long capacity, PrintStream out) {
    String key = "fz-replay-" + seed;
    List<String> problems = new ArrayList<>();
    int replaysAllowed = 0;
    for (int i = 0; i < REPLAYS; i++) {
      AcquireResponse answer = acquire(channel, key, "fz-replayed-id");
      replaysAllowed += answer.getAllowed() ? 1 : 0;
      checkLimit(answer, capacity, problems);
    }
    int freshAllowed = 0;
    for (int i = 0; i < capacity + 3; i++) {
      AcquireResponse answer = acquire(channel, key, "fz-fresh-" + i);
      freshAllowed += answer.getAllowed() ? 1 : 0;
      checkLimit(answer, capacity, problems);
    }
    // The replayed op took one token at most, however often it was sent.
    long admitted = (replaysAllowed > 0 ? 1 : 0) + freshAllowed;
    if (replaysAllowed != REPLAYS) {
      problems.add(replaysAllowed + " of " + REPLAYS + " replays allowed; a replay must be "
          + "answered as the first send was (allowed, the bucket being full then)");
    }
    if (admitted != capacity) {
      problems.add("ops admitted " + admitted + ", capacity " + capacity);
    }
    out.printf("replayed request_id under deny: %d sends of one id (carrying capacity %,d), "
        + "%d allowed; then fresh ids: %d allowed; ops admitted %d of capacity %d: %s%n",
        REPLAYS, LOOSE.getCapacity(), replaysAllowed, freshAllowed, admitted, capacity,
        problems.isEmpty() ? "OK" : "NOT OK " + problems.stream().limit(3).toList());
    return problems.isEmpty();
  }

  private static AcquireResponse acquire(Channel channel, String key, String requestId) {
    return RateLimiterGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .acquire(AcquireRequest.newBuilder().setKey(key).setRequestId(requestId)
            .setLimit(LOOSE).build());
  }

  private static void checkLimit(AcquireResponse answer, long capacity, List<String> problems) {
    if (answer.getLimit().getCapacity() != capacity && problems.size() < 10) {
      problems.add("an answer applied capacity " + answer.getLimit().getCapacity()
          + ", not the operator's " + capacity);
    }
  }
}
