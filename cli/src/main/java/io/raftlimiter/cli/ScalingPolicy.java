package io.raftlimiter.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When to add or drain a node, from the cluster's decision counter sampled over time. Pure: the
 * caller feeds samples and acts on the answer.
 *
 * <p>A node is added when the load per node stayed above {@code high} decisions/s for a whole
 * {@code window}, and one drained when it stayed below {@code low} for a whole window, never
 * beyond {@code maxNodes} or below {@code minNodes}. "Stayed" means every interval between two
 * samples in the window, not the average, so one burst or one lull does not trigger a change.
 * After a change the window starts afresh, so the cluster settles before the next one.
 */
final class ScalingPolicy {
  enum Action { NONE, ADD, DRAIN }

  private record Sample(long nanos, long decisions, int nodes) {}

  private final double high;
  private final double low;
  private final long windowNanos;
  private final int minNodes;
  private final int maxNodes;
  private final Deque<Sample> samples = new ArrayDeque<>();

  ScalingPolicy(double high, double low, long windowNanos, int minNodes, int maxNodes) {
    if (!(low >= 0 && high > low)) {
      throw new IllegalArgumentException("need 0 <= low < high, got low " + low + ", high " + high);
    }
    if (minNodes < 1 || maxNodes < minNodes) {
      throw new IllegalArgumentException(
          "need 1 <= min-nodes <= max-nodes, got " + minNodes + " and " + maxNodes);
    }
    if (windowNanos <= 0) {
      throw new IllegalArgumentException("the window must be > 0");
    }
    this.high = high;
    this.low = low;
    this.windowNanos = windowNanos;
    this.minNodes = minNodes;
    this.maxNodes = maxNodes;
  }

  /**
   * Records that the cluster had made {@code decisions} decisions in all at {@code nanos}, with
   * {@code nodes} nodes serving, and says what to do now.
   */
  Action observe(long nanos, long decisions, int nodes) {
    Sample latest = new Sample(nanos, decisions, nodes);
    if (!samples.isEmpty() && (samples.peekLast().nodes() != nodes
        || decisions < samples.peekLast().decisions())) {
      samples.clear(); // the cluster changed (or a node restarted its counters): start afresh
    }
    samples.addLast(latest);
    while (samples.size() > 2 && nanos - samples.peekFirst().nanos() > windowNanos
        && nanos - secondOldest().nanos() >= windowNanos) {
      samples.removeFirst();
    }
    if (nanos - samples.peekFirst().nanos() < windowNanos) {
      return Action.NONE; // not a whole window yet
    }
    boolean allHigh = true;
    boolean allLow = true;
    Sample previous = null;
    for (Sample sample : samples) {
      if (previous != null) {
        double perNode = (sample.decisions() - previous.decisions())
            / ((sample.nanos() - previous.nanos()) / 1e9) / nodes;
        allHigh &= perNode > high;
        allLow &= perNode < low;
      }
      previous = sample;
    }
    Action action = allHigh && nodes < maxNodes ? Action.ADD
        : allLow && nodes > minNodes ? Action.DRAIN
        : Action.NONE;
    if (action != Action.NONE) {
      samples.clear();
    }
    return action;
  }

  private Sample secondOldest() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }
}
