package io.raftlimiter.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.lettuce.core.RedisCommandExecutionException;
import io.raftlimiter.bench.measure.AdmissionLedger;
import io.raftlimiter.bench.measure.PhaseMeasurement;
import io.raftlimiter.bench.measure.PhaseRecorder;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.bench.workload.Workload;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The generator and the measurements against fake limiters whose behaviour is known. */
class LoadGeneratorTest {
  private final ScheduledExecutorService answers = Executors.newScheduledThreadPool(2);

  @AfterEach
  void tearDown() {
    answers.shutdownNow();
  }

  /** Answers every decision with {@code allowed} after 1 ms. */
  private Target answering(boolean allowed) {
    return answering(allowed, key -> false);
  }

  /** Answers every decision with {@code allowed} after 1 ms, decided locally where told. */
  private Target answering(boolean allowed, IntPredicate decidedLocally) {
    return (space, keys, permits) -> {
      CompletableFuture<Answered> answer = new CompletableFuture<>();
      boolean[] result = new boolean[keys.length];
      Arrays.fill(result, allowed);
      boolean local = decidedLocally.test(keys[0]);
      answers.schedule(() -> answer.complete(new Answered(result, local)), 1,
          TimeUnit.MILLISECONDS);
      return answer;
    };
  }

  @Test
  void callsDecidedLocallyAreMeasuredApart() throws Exception {
    PhaseMeasurement m = run(new Workload(100, "uniform", 1, 1, 4, 0, 100),
        answering(true, key -> key % 2 == 0), 0.5);
    long local = m.localCallLatencyMicros().getTotalCount();
    assertTrue(local > 0 && local < m.calls(), local + " of " + m.calls());
    assertEquals((double) local / m.callLatencyMicros().getTotalCount(), m.localShare(), 1e-9);
    assertTrue(m.localShare() > 0.3 && m.localShare() < 0.7, "share " + m.localShare());
    assertEquals(0, run(new Workload(100, "uniform", 1, 1, 4, 0, 100), answering(true), 0.2)
        .localCallLatencyMicros().getTotalCount());
  }

  private PhaseMeasurement run(Workload workload, Target target, double seconds)
      throws InterruptedException {
    long epoch = System.nanoTime();
    PhaseRecorder recorder = new PhaseRecorder(epoch,
        new AdmissionLedger(workload.keys(), 10, 5.0, epoch), seconds + 1);
    int unanswered = new LoadGenerator(workload, 1, Duration.ofSeconds(5))
        .run(target, new KeySpace("t-"), seconds, recorder);
    assertEquals(0, unanswered);
    return recorder.finish(seconds);
  }

  @Test
  void aLimiterThatAllowsEverythingOverAdmits() throws Exception {
    PhaseMeasurement m = run(new Workload(1, "hot", 1, 1, 4, 0, 100), answering(true), 0.5);
    assertTrue(m.allowed() > 100, "allowed " + m.allowed());
    // One key, C = 10, R = 5/s over half a second: at most 12 of them were due.
    assertTrue(m.admission().overAdmittedTokens() >= m.allowed() - 13, m.admission().toString());
    assertEquals(1, m.admission().keysOver());
    assertEquals(0, m.admission().underAdmittedDecisions());
  }

  @Test
  void aLimiterThatRejectsEverythingUnderAdmits() throws Exception {
    PhaseMeasurement m = run(new Workload(50, "uniform", 1, 10, 2, 0, 100), answering(false),
        0.3);
    assertEquals(0, m.allowed());
    assertTrue(m.admission().underAdmittedDecisions() > 0);
    assertEquals(0, m.admission().overAdmittedTokens());
  }

  @Test
  void anOpenLoopKeepsItsRateAndCountsErrorsByCode() throws Exception {
    Target failing = (space, keys, permits) ->
        CompletableFuture.failedFuture(Status.UNIMPLEMENTED.asRuntimeException());
    PhaseMeasurement m = run(new Workload(1000, "zipf:1.0", 1, 1, 1, 2000, 100), failing, 1.0);
    assertEquals(2000, m.errors(), 20);
    assertEquals(m.errors(), m.errorsByCode().get("UNIMPLEMENTED"));
    assertEquals(0, m.decisions());
  }

  @Test
  void anOpenLoopChargesAStallToEveryCallItDelayed() throws Exception {
    // Every answer waits for a gate that opens after 200 ms: calls due later waited less.
    CompletableFuture<Void> gate = new CompletableFuture<>();
    answers.schedule(() -> gate.complete(null), 200, TimeUnit.MILLISECONDS);
    Target stalled =
        (space, keys, permits) -> gate.thenApply(v -> Answered.of(new boolean[] {true}));
    PhaseMeasurement m = run(new Workload(100_000, "uniform", 1, 1, 1, 1000, 10_000), stalled,
        0.2);
    // From 200 ms for the first call due to ~0 for the last: a median near 100 ms.
    double p50Millis = m.callLatencyMicros().getValueAtPercentile(50) / 1000.0;
    assertTrue(p50Millis > 60 && p50Millis < 140, "p50 " + p50Millis);
  }

  @Test
  void errorsAreNamedByGrpcStatusRedisKindOrClass() {
    assertEquals("UNAVAILABLE", LoadGenerator.errorCode(
        new CompletionException(Status.UNAVAILABLE.asRuntimeException())));
    assertEquals("REDIS NOSCRIPT", LoadGenerator.errorCode(new CompletionException(
        new RedisCommandExecutionException("NOSCRIPT No matching script. Please use EVAL."))));
    assertEquals("IllegalStateException",
        LoadGenerator.errorCode(new IllegalStateException("no")));
  }
}
