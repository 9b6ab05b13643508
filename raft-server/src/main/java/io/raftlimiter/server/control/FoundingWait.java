package io.raftlimiter.server.control;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.NodeConfigKeys;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.runtime.DaemonThreads;
import io.raftlimiter.server.security.NodeTransport;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the founding peers, round after round, until {@link FoundingCheck} can tell whether the
 * cluster is new, then tells the node once. The first round runs inside the node's start, so a
 * peer list that disagrees fails the start; the others run on a timer of their own, so that a
 * node started before its peers (one after another, as tests and a rolling start do) returns
 * from its start and listens: its peers need its answer to decide too. Its client port therefore
 * listens before it founds anything; it is not ready meanwhile.
 *
 * <p>There is no deadline: founding without hearing a majority is what this prevents. The node
 * says in its log, every {@link #LOG_INTERVAL_NANOS}, whom it waits for.
 */
public final class FoundingWait implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FoundingWait.class);
  /** How long one round waits for the peers' answers. */
  private static final long PROBE_TIMEOUT_MILLIS = 1_000;
  private static final long ROUND_INTERVAL_MILLIS = 500;
  private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** What the node does once the check can tell: found its groups, or not. */
  public interface Decided {
    void run(boolean found) throws IOException;
  }

  private final String self;
  private final List<PeerAddress> peers;
  private final NodeTransport transport;
  private final PeerProbe probe;
  private final Decided decided;
  private final Consumer<String> waitingBecause;
  /** Set by start() when the first round could not tell; read by close() on any thread. */
  private volatile ScheduledExecutorService timer;
  private long loggedAtNanos;
  private boolean done;

  private FoundingWait(String self, List<PeerAddress> peers, NodeTransport transport,
      PeerProbe probe, Decided decided, Consumer<String> waitingBecause) {
    this.self = self;
    this.peers = peers;
    this.transport = transport;
    this.probe = probe;
    this.decided = decided;
    this.waitingBecause = waitingBecause;
  }

  /**
   * Whether this start of a node may found the cluster's groups, once the check tells the
   * cluster is new: a founding member's first start, on storage just created, from which Ratis
   * recovered no group, and not told to join. A restart and a joining node found nothing; a
   * node that lost its disk waits, and the check tells it not to.
   */
  public static boolean isFoundingStart(NodeConfig config, StorageIdentity storage,
      RaftServer server) {
    return storage.created() && !server.getGroupIds().iterator().hasNext()
        && !config.get(NodeConfigKeys.JOIN).equals("true");
  }

  /**
   * Runs the first round now, and the next ones on a timer while it cannot tell.
   *
   * @param probe how the peers are asked
   * @param waitingBecause told why the node waits (a reason for its status), and told "" once
   *     the wait is over
   * @throws ConfigException when an answering peer lists other ids
   */
  public static FoundingWait start(String self, List<PeerAddress> peers, NodeTransport transport,
      PeerProbe probe, CounterDataPoint taskFailures, Decided decided,
      Consumer<String> waitingBecause) throws IOException {
    FoundingWait wait = new FoundingWait(self, peers, transport, probe, decided, waitingBecause);
    FoundingCheck.Outcome first = wait.ask();
    if (first.verdict() == FoundingCheck.Verdict.REFUSE) {
      throw new ConfigException(first.reason());
    }
    if (!wait.act(first)) {
      wait.timer = DaemonThreads.timer(self + "-founding");
      DaemonThreads.every(wait.timer, "founding check", ROUND_INTERVAL_MILLIS,
          ROUND_INTERVAL_MILLIS, TimeUnit.MILLISECONDS, taskFailures, wait::round);
    }
    return wait;
  }

  private FoundingCheck.Outcome ask() {
    Map<String, ProbeReply> answered =
        PeerStatuses.askPeers(self, peers, PROBE_TIMEOUT_MILLIS, transport, probe);
    return FoundingCheck.decide(self, peers, answered);
  }

  private synchronized void round() {
    if (done) {
      return;
    }
    try {
      if (act(ask())) {
        timer.shutdown();
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("node {} could not found its groups: {}", self, e.toString());
      waitingBecause.accept("could not found its groups: " + e.getMessage());
      timer.shutdown();
    }
  }

  /** Acts on {@code outcome}; whether the wait is over. */
  private boolean act(FoundingCheck.Outcome outcome) throws IOException {
    switch (outcome.verdict()) {
      case WAIT -> {
        long now = System.nanoTime();
        if (loggedAtNanos == 0 || now - loggedAtNanos > LOG_INTERVAL_NANOS) {
          loggedAtNanos = now;
          LOG.info("node {} is on new storage and founds nothing until it can tell the cluster "
              + "is new: {}", self, outcome.reason());
        }
        waitingBecause.accept("waiting to found: " + outcome.reason());
        return false;
      }
      case REFUSE -> {
        LOG.error("node {} founds nothing: {}", self, outcome.reason());
        waitingBecause.accept(outcome.reason());
        done = true;
        return true;
      }
      case LOST_DISK -> LOG.warn("node {} starts on new storage, but {}: its disk was lost, so "
          + "it formats no replica; the controller takes its old replicas out of their groups "
          + "and gives it new ones", self, outcome.reason());
      case FOUND -> LOG.info("node {} founds its groups: {}", self, outcome.reason());
      default -> throw new IllegalStateException(outcome.verdict().name());
    }
    done = true;
    waitingBecause.accept("");
    decided.run(outcome.verdict() == FoundingCheck.Verdict.FOUND);
    return true;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
