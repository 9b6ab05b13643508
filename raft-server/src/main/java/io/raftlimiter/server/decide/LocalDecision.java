package io.raftlimiter.server.decide;

import io.raftlimiter.bucket.Decision;
import java.util.concurrent.CompletableFuture;

/**
 * A decision its decider made at once from what its node holds (an EVENTUAL view, a LEASED
 * share), with no round through the key's group: complete from the start, and recognisable as
 * such where the answer is built ({@code decided_locally}). A decision that came through the
 * group, or after waiting for it, is an ordinary future, whenever it completes.
 */
public final class LocalDecision extends CompletableFuture<Decision> {
  private LocalDecision(Decision decision) {
    super.complete(decision);
  }

  public static CompletableFuture<Decision> of(Decision decision) {
    return new LocalDecision(decision);
  }

  /** Whether {@code decided} is a decision made at once on this node. */
  public static boolean isLocal(CompletableFuture<Decision> decided) {
    return decided instanceof LocalDecision;
  }
}
