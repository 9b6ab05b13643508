package io.raftlimiter.server.control;

import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.security.NodeTransport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How long each other node has run, asked of them all at once on a thread of its own ({@link
 * PeerStatuses}), for a stopping node to choose its heirs ({@link LeadershipHandover#heirs}). A
 * node starts asking when its grace period begins, so the answers are in by the hand-over; a
 * node that does not answer is simply not known.
 */
public final class PeerUptimes {
  private final FutureTask<Map<String, Long>> answers;

  private PeerUptimes(FutureTask<Map<String, Long>> answers) {
    this.answers = answers;
  }

  /** Starts asking the {@code members} but {@code self}, each within {@code timeoutMillis}. */
  public static PeerUptimes ask(String self, List<PeerAddress> members, NodeTransport transport,
      PeerProbe probe, long timeoutMillis) {
    FutureTask<Map<String, Long>> answers = new FutureTask<>(() -> {
      Map<String, Long> uptimes = new HashMap<>();
      PeerStatuses.askPeers(self, members, timeoutMillis, transport, probe)
          .forEach((id, reply) -> uptimes.put(id, reply.getUptimeMillis()));
      return uptimes;
    });
    DaemonThreads.named(self + "-peer-uptimes").newThread(answers).start();
    return new PeerUptimes(answers);
  }

  /** The answers, waited for up to {@code maxWaitMillis}; those of the nodes that answered. */
  public Map<String, Long> await(long maxWaitMillis) {
    try {
      return answers.get(maxWaitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      answers.cancel(true); // not known: the heirs are chosen without
    }
    return Map.of();
  }
}
