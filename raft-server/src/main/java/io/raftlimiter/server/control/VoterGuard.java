package io.raftlimiter.server.control;

import java.util.Optional;
import java.util.Set;

/**
 * Whether a group's copy on a node may be deleted: never while it may be one of the group's
 * voters. The plan says a copy is stale from a probe that may be old, made by a controller that
 * may no longer be the only one (a deposed controller's last second, a second metadata group);
 * deleting a voter that acknowledged entries empties part of the majority that holds them. So,
 * right before deleting, the group's leader and the copy itself are asked afresh, and the copy
 * is kept when
 * <ul>
 *   <li>no replica asked leads the group: nobody can say the copy is not counted;
 *   <li>the leader counts the node among its voters (current or, mid-change, previous);
 *   <li>the copy's log holds an entry of a later term than the leader's: then the "leader" is
 *       not of the copy's group at all (a group founded again under the same id), and the copy
 *       may be the real group's voter. A copy that cannot answer (stopped after its state
 *       machine failed, or still opening) is judged by the leader's configuration alone.
 * </ul>
 * A copy left behind by a move holds entries of the terms up to its removal only, never of a
 * later term than the leader that removed it, so stale copies still go. Pure.
 */
public final class VoterGuard {
  private VoterGuard() {}

  /**
   * One replica's answer about its group.
   *
   * @param leading whether it leads the group now
   * @param term its current term
   * @param lastEntryTerm the term of the last entry in its log (0 when empty)
   * @param voters the voters of the configuration it holds, previous ones included mid-change
   */
  public record View(boolean leading, long term, long lastEntryTerm, Set<String> voters) {
    public View {
      voters = Set.copyOf(voters);
    }
  }

  /** Why {@code node}'s copy, which answered {@code copy}, must be kept; empty when it may go. */
  public static Optional<String> whyKept(String node, Optional<View> leader,
      Optional<View> copy) {
    if (leader.isEmpty() || !leader.get().leading()) {
      return Optional.of("no replica of the group confirms it leads it, so nothing says the copy "
          + "on " + node + " is not counted");
    }
    View leading = leader.get();
    if (leading.voters().contains(node)) {
      return Optional.of(node + " is a voter of the group's configuration " + leading.voters()
          + " as its leader holds it");
    }
    if (copy.isPresent() && copy.get().lastEntryTerm() > leading.term()) {
      return Optional.of("the copy on " + node + " holds entries of term "
          + copy.get().lastEntryTerm() + ", later than the leader's term " + leading.term()
          + ": the leader asked is not of the copy's group");
    }
    return Optional.empty();
  }
}
