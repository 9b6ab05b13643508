package io.raftlimiter.bench.load;

import io.grpc.Status;
import io.lettuce.core.RedisCommandExecutionException;
import io.raftlimiter.bench.measure.AdmissionLedger;
import io.raftlimiter.bench.measure.PhaseRecorder;
import io.raftlimiter.bench.workload.KeySampler;
import io.raftlimiter.bench.workload.KeySpace;
import io.raftlimiter.bench.workload.Workload;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a {@link Workload} to a {@link Target} from one thread for a given time and feeds every
 * answer to a {@link PhaseRecorder}.
 *
 * <p>Closed loop: a new call as soon as one of {@code concurrency} comes back; latency from the
 * actual send. Open loop: call {@code i} is due at {@code start + i·interval}; the sender never
 * waits for answers except at the outstanding cap, and latency runs from the due time, so a
 * stall is charged to every call scheduled during it. Sending falls behind the schedule only when
 * the sender itself is starved of CPU; the report shows the achieved rate next to the target.
 */
public final class LoadGenerator {
  private final Workload workload;
  private final KeySampler sampler;
  private final SplittableRandom random;
  private final Duration drainTimeout;

  public LoadGenerator(Workload workload, long seed, Duration drainTimeout) {
    this.workload = workload;
    this.sampler = workload.sampler();
    this.random = new SplittableRandom(seed);
    this.drainTimeout = drainTimeout;
  }

  /** Runs for {@code seconds}, then waits for the calls still out; returns the calls unanswered. */
  public int run(Target target, KeySpace space, double seconds, PhaseRecorder recorder)
      throws InterruptedException {
    int window = workload.openLoop() ? workload.maxOutstanding() : workload.concurrency();
    Semaphore outstanding = new Semaphore(window);
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long interval = workload.openLoop() ? workload.callIntervalNanos() : 0;
    long due = start;
    while (true) {
      long now = System.nanoTime();
      if (workload.openLoop()) {
        if (due >= end) {
          break;
        }
        if (now < due) {
          LockSupport.parkNanos(due - now);
          continue;
        }
      } else if (now >= end) {
        break;
      }
      if (!outstanding.tryAcquire(10, TimeUnit.MILLISECONDS)) {
        continue;
      }
      send(target, space, recorder, workload.openLoop() ? due : System.nanoTime(), outstanding);
      due += interval;
    }
    if (outstanding.tryAcquire(window, drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return 0;
    }
    return window - outstanding.availablePermits();
  }

  private void send(Target target, KeySpace space, PhaseRecorder recorder, long intendedNanos,
      Semaphore outstanding) {
    int[] keys = new int[workload.batch()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = sampler.next(random);
    }
    long permits = workload.permits();
    AdmissionLedger ledger = recorder.ledger();
    if (ledger != null) {
      for (int key : keys) {
        ledger.sent(key, permits);
      }
    }
    long sentNanos = System.nanoTime();
    CompletableFuture<Answered> answer;
    try {
      answer = target.call(space, keys, permits);
    } catch (RuntimeException e) { // a target that fails before sending still owes an answer
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete((reply, error) -> {
      try {
        long answered = System.nanoTime();
        boolean[] allowed = error == null ? reply.allowed() : null;
        if (error == null && allowed.length != keys.length) {
          error = new IllegalStateException(allowed.length + " answers to " + keys.length);
        }
        if (error == null) {
          int admitted = 0;
          for (boolean a : allowed) {
            admitted += a ? 1 : 0;
          }
          recorder.answered(intendedNanos, answered, keys.length, admitted, reply.local());
        } else {
          recorder.failed(intendedNanos, answered, keys.length, errorCode(error));
        }
        if (ledger != null) {
          for (int i = 0; i < keys.length; i++) {
            AdmissionLedger.Outcome outcome = error != null ? AdmissionLedger.Outcome.FAILED
                : allowed[i] ? AdmissionLedger.Outcome.ALLOWED : AdmissionLedger.Outcome.REJECTED;
            ledger.decided(keys[i], permits, outcome, sentNanos, answered);
          }
        }
      } finally {
        outstanding.release();
      }
    });
  }

  /**
   * A short name for an error: the gRPC status code, Redis' error kind, or the exception's class.
   */
  static String errorCode(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    Status status = Status.fromThrowable(cause);
    if (status.getCode() != Status.Code.UNKNOWN || cause instanceof io.grpc.StatusRuntimeException
        || cause instanceof io.grpc.StatusException) {
      return status.getCode().name();
    }
    if (cause instanceof RedisCommandExecutionException redis && redis.getMessage() != null) {
      return "REDIS " + redis.getMessage().split(" ", 2)[0]; // Redis' error kind: ERR, NOSCRIPT
    }
    return cause.getClass().getSimpleName();
  }
}
