package io.raftlimiter.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.raftlimiter.api.v1.AcquireBatchRequest;
import io.raftlimiter.api.v1.AcquireBatchResponse;
import io.raftlimiter.api.v1.AcquireRequest;
import io.raftlimiter.api.v1.AcquireResponse;
import io.raftlimiter.api.v1.Consistency;
import io.raftlimiter.bucket.BucketLimit;
import io.raftlimiter.bucket.Decision;
import io.raftlimiter.server.config.ConsistencyMode;
import io.raftlimiter.server.data.commit.GroupCommitter;
import io.raftlimiter.server.data.commit.GroupUnavailableException;
import io.raftlimiter.server.data.commit.OverloadedException;
import io.raftlimiter.server.decide.Decider;
import io.raftlimiter.server.decide.LocalDecision;
import io.raftlimiter.server.runtime.NodeMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The one decide path under every front end, with deciders that answer as each test says. */
class DecisionsTest {
  private static final BucketLimit LIMIT = BucketLimit.of(10, 1);

  private final NodeMetrics metrics = new NodeMetrics();
  private final Map<ConsistencyMode, List<String>> asked = new EnumMap<>(ConsistencyMode.class);
  private Function<String, CompletableFuture<Decision>> answer =
      key -> CompletableFuture.completedFuture(new Decision(true, 9, 0));
  private String notServing;

  private Decisions decisions(boolean nodeShadow) {
    Map<ConsistencyMode, Decider> deciders = new EnumMap<>(ConsistencyMode.class);
    for (ConsistencyMode mode : ConsistencyMode.values()) {
      asked.put(mode, new ArrayList<>());
      deciders.put(mode, op -> {
        String key = new String(op.key(), StandardCharsets.UTF_8);
        asked.get(mode).add(key);
        return answer.apply(key);
      });
    }
    return new Decisions(new RequestValidator(LimitResolver.always(LIMIT), ConsistencyMode.STRONG),
        deciders, metrics, () -> notServing, nodeShadow);
  }

  private static AcquireRequest acquire(String key, Consistency consistency) {
    return AcquireRequest.newBuilder().setKey(key).setPermits(1).setConsistency(consistency)
        .build();
  }

  private static Status statusOf(CompletableFuture<?> answer) {
    try {
      answer.join();
    } catch (CompletionException e) {
      return Status.fromThrowable(e);
    }
    throw new AssertionError("answered " + answer.join());
  }

  @Test
  void eachRequestGoesToItsModesDeciderAndABatchKeepsRequestOrder() {
    Decisions decisions = decisions(false);
    answer = key -> CompletableFuture.completedFuture(
        new Decision(!key.startsWith("no"), key.length(), 0));
    AcquireBatchResponse batch = decisions.acquireBatch(AcquireBatchRequest.newBuilder()
        .addRequests(acquire("a", Consistency.CONSISTENCY_LEASED))
        .addRequests(acquire("no-b", Consistency.CONSISTENCY_STRONG))
        .addRequests(acquire("ccc", Consistency.CONSISTENCY_EVENTUAL))
        .addRequests(acquire("dd", Consistency.CONSISTENCY_UNSPECIFIED)) // the default: STRONG
        .build(), null, null, GroupCommitter.NO_DEADLINE).join();

    assertEquals(List.of("no-b", "dd"), asked.get(ConsistencyMode.STRONG));
    assertEquals(List.of("ccc"), asked.get(ConsistencyMode.EVENTUAL));
    assertEquals(List.of("a"), asked.get(ConsistencyMode.LEASED));
    assertEquals(List.of(true, false, true, true),
        batch.getResponsesList().stream().map(AcquireResponse::getAllowed).toList());
    assertEquals(List.of(1L, 4L, 3L, 2L),
        batch.getResponsesList().stream().map(AcquireResponse::getRemaining).toList());
    assertEquals(10, batch.getResponses(0).getLimit().getCapacity());
  }

  /**
   * An answer is marked decided locally when its decider made it on the node (a lease's, a
   * view's, whatever the mode says), and not when it came through the group, however fast: in a
   * single answer, in a batch's entries, and through shadow mode.
   */
  @Test
  void anAnswerIsMarkedDecidedLocallyWhenItsDeciderMadeItOnTheNode() {
    Decisions decisions = decisions(false);
    CompletableFuture<Decision> throughTheGroup = new CompletableFuture<>();
    answer = key -> key.startsWith("local") ? LocalDecision.of(new Decision(true, 9, 0))
        : key.startsWith("fast") ? CompletableFuture.completedFuture(new Decision(true, 9, 0))
        : throughTheGroup;
    CompletableFuture<AcquireResponse> later =
        decisions.acquire(acquire("group-a", Consistency.CONSISTENCY_EVENTUAL), null, 0);
    CompletableFuture<AcquireBatchResponse> batch = decisions.acquireBatch(
        AcquireBatchRequest.newBuilder()
            .addRequests(acquire("local-b", Consistency.CONSISTENCY_LEASED))
            .addRequests(acquire("group-c", Consistency.CONSISTENCY_LEASED))
            .addRequests(acquire("fast-d", Consistency.CONSISTENCY_EVENTUAL)).build(),
        null, null, GroupCommitter.NO_DEADLINE);
    throughTheGroup.complete(new Decision(true, 8, 0));

    assertTrue(decisions.acquire(acquire("local-a", Consistency.CONSISTENCY_LEASED), null, 0)
        .join().getDecidedLocally());
    assertFalse(decisions.acquire(acquire("fast-a", Consistency.CONSISTENCY_EVENTUAL), null, 0)
        .join().getDecidedLocally(), "complete at once, but not made on the node");
    assertFalse(later.join().getDecidedLocally());
    assertTrue(later.join().getAllowed());
    assertEquals(List.of(true, false, false), batch.join().getResponsesList().stream()
        .map(AcquireResponse::getDecidedLocally).toList());

    answer = key -> LocalDecision.of(new Decision(false, 0, 100));
    AcquireResponse shadowed = decisions(true)
        .acquire(acquire("local-e", Consistency.CONSISTENCY_LEASED), null, 0).join();
    assertTrue(shadowed.getShadowRefused() && shadowed.getAllowed());
    assertTrue(shadowed.getDecidedLocally(), "kept through shadow mode");
  }

  @Test
  void aShedDecisionIsResourceExhaustedWithWhenToRetryAndNeverAllowed() {
    Decisions decisions = decisions(false);
    answer = key -> CompletableFuture.failedFuture(new OverloadedException("queue full", 20));
    CompletableFuture<AcquireResponse> answered =
        decisions.acquire(acquire("k", Consistency.CONSISTENCY_STRONG), null, 0);

    Status status = statusOf(answered);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode());
    try {
      answered.join();
    } catch (CompletionException e) {
      assertEquals("20", Status.trailersFromThrowable(e).get(Decisions.RETRY_AFTER_MILLIS));
    }
    assertEquals(1, metrics.count("raftlimiter_requests_shed"));
  }

  @Test
  void failuresMapToTheirStatusesAndAnUnknownOneIsInternal() {
    Decisions decisions = decisions(false);
    answer = key -> CompletableFuture.failedFuture(new GroupUnavailableException("no leader", null));
    assertEquals(Status.Code.UNAVAILABLE, statusOf(
        decisions.acquire(acquire("k", Consistency.CONSISTENCY_EVENTUAL), null, 0)).getCode());
    answer = key -> {
      throw new IllegalStateException("a bug in a decider");
    };
    assertEquals(Status.Code.INTERNAL, statusOf(
        decisions.acquire(acquire("k", Consistency.CONSISTENCY_LEASED), null, 0)).getCode());
  }

  @Test
  void aBatchAnswersEachEntryAndFailsWholeOnlyWhenNoneWasDecided() {
    Decisions decisions = decisions(false);
    answer = key -> key.equals("down")
        ? CompletableFuture.failedFuture(new GroupUnavailableException("no leader", null))
        : CompletableFuture.completedFuture(new Decision(true, 5, 0));
    AcquireBatchResponse mixed = decisions.acquireBatch(AcquireBatchRequest.newBuilder()
        .addRequests(acquire("up", Consistency.CONSISTENCY_STRONG))
        .addRequests(acquire("down", Consistency.CONSISTENCY_STRONG))
        .build(), null, null, 0).join();
    assertTrue(mixed.getResponses(0).getAllowed());
    assertFalse(mixed.getResponses(1).getAllowed());
    assertEquals(Status.Code.UNAVAILABLE.value(), mixed.getResponses(1).getError().getCode());

    CompletableFuture<AcquireBatchResponse> none = decisions.acquireBatch(
        AcquireBatchRequest.newBuilder()
            .addRequests(acquire("down", Consistency.CONSISTENCY_STRONG))
            .addRequests(acquire("down", Consistency.CONSISTENCY_EVENTUAL))
            .build(), null, null, 0);
    assertEquals(Status.Code.UNAVAILABLE, statusOf(none).getCode());
  }

  @Test
  void inShadowModeARefusalIsAnsweredAllowedAndMarked() {
    Decisions decisions = decisions(true);
    answer = key -> CompletableFuture.completedFuture(new Decision(false, 0, 500));
    AcquireResponse response =
        decisions.acquire(acquire("k", Consistency.CONSISTENCY_STRONG), null, 0).join();
    assertTrue(response.getAllowed());
    assertTrue(response.getShadowRefused());
    assertEquals(1, metrics.count("raftlimiter_decisions_shadow_refused"));
  }

  @Test
  void aNodeThatMustNotDecideAndAnInvalidRequestAskNoDecider() {
    Decisions decisions = decisions(false);
    notServing = "its groups have another shape";
    assertEquals(Status.Code.UNAVAILABLE, statusOf(
        decisions.acquire(acquire("k", Consistency.CONSISTENCY_STRONG), null, 0)).getCode());
    notServing = null;
    assertEquals(Status.Code.INVALID_ARGUMENT, statusOf(decisions.acquire(
        AcquireRequest.newBuilder().setKey("").setPermits(1).build(), null, 0)).getCode());
    assertEquals(Status.Code.INVALID_ARGUMENT, statusOf(decisions.acquireBatch(
        AcquireBatchRequest.newBuilder()
            .addRequests(acquire("fine", Consistency.CONSISTENCY_STRONG))
            .addRequests(AcquireRequest.newBuilder().setKey("k").setPermits(11).build())
            .build(), null, null, 0)).getCode());
    asked.values().forEach(keys -> assertEquals(List.of(), keys));
    assertEquals(3, metrics.count("raftlimiter_requests_invalid")
        + metrics.count("raftlimiter_requests_unavailable"));
  }

  @Test
  void everyModeNeedsADecider() {
    Map<ConsistencyMode, Decider> two = new EnumMap<>(ConsistencyMode.class);
    two.put(ConsistencyMode.STRONG, op -> null);
    two.put(ConsistencyMode.EVENTUAL, op -> null);
    try {
      new Decisions(new RequestValidator(LimitResolver.always(LIMIT), ConsistencyMode.STRONG), two,
          new NodeMetrics(), () -> null, false);
      throw new AssertionError("built without a LEASED decider");
    } catch (IllegalArgumentException expected) {
      assertTrue(expected.getMessage().contains("LEASED"));
    }
  }

  /** The decisions of each limit, as the decide path counts them (a resolver without rules). */
  private double limitDecisions(String outcome) {
    return metrics.prometheus().scrape().stream()
        .filter(s -> s.getMetadata().getName().equals("raftlimiter_limit_decisions"))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(p -> p.getLabels().get("source").equals("default")
            && p.getLabels().get("outcome").equals(outcome))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  @Test
  void countsEachDecisionUnderItsLimitAndShadowRefusalsApart() throws Exception {
    Decisions strict = decisions(false);
    strict.acquire(acquire("a", Consistency.CONSISTENCY_STRONG), null, GroupCommitter.NO_DEADLINE).join();
    answer = key -> CompletableFuture.completedFuture(new Decision(false, 0, 100));
    strict.acquire(acquire("a", Consistency.CONSISTENCY_STRONG), null, GroupCommitter.NO_DEADLINE).join();
    AcquireResponse shadowed = decisions(true)
        .acquire(acquire("a", Consistency.CONSISTENCY_STRONG), null, GroupCommitter.NO_DEADLINE).join();

    assertTrue(shadowed.getAllowed() && shadowed.getShadowRefused());
    assertEquals(1, limitDecisions("allowed"));
    assertEquals(1, limitDecisions("rejected"));
    assertEquals(1, limitDecisions("shadow_refused"));
  }
}
