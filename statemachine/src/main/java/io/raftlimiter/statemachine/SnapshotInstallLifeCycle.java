package io.raftlimiter.statemachine;

import org.apache.ratis.util.LifeCycle;

/**
 * The life-cycle steps Ratis expects around a snapshot installed from the leader: it calls
 * {@code pause()}, writes the snapshot, checks that the state machine is {@code PAUSED} (and
 * closes the server if it is not), then calls {@code reinitialize()}, after which the state
 * machine must be {@code RUNNING} again.
 */
public final class SnapshotInstallLifeCycle {
  private SnapshotInstallLifeCycle() {}

  /** RUNNING → PAUSED; any other state is left alone. */
  public static void pause(LifeCycle lifeCycle) {
    if (lifeCycle.getCurrentState() == LifeCycle.State.RUNNING) {
      lifeCycle.transition(LifeCycle.State.PAUSING);
      lifeCycle.transition(LifeCycle.State.PAUSED);
    }
  }

  /** PAUSED → RUNNING, once the installed snapshot is loaded; any other state is left alone. */
  public static void resume(LifeCycle lifeCycle) {
    if (lifeCycle.getCurrentState() == LifeCycle.State.PAUSED) {
      lifeCycle.transition(LifeCycle.State.STARTING);
      lifeCycle.transition(LifeCycle.State.RUNNING);
    }
  }
}
