package io.raftlimiter.server.control;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyExistsException;

/**
 * The controller's calls that make and delete a group's copies on nodes (Ratis group add and
 * remove). Two guards stand before every deletion, since a deleted voter cannot be undone:
 * <ul>
 *   <li>the fence: the controller still acts in the metadata term it planned in, checked right
 *       before the call, so a controller that lost the metadata leadership stops deleting (its
 *       metadata commands are refused by {@code MetaCommand.Fenced} the same way);
 *   <li>{@link VoterGuard}: the group's leader and the copy itself, asked afresh, show the copy
 *       is no voter, so even two controllers acting at once cannot empty one.
 * </ul>
 * Ratis' group management requests carry no token a node could check, so the fence is held on
 * the controller's side, and the voter check, which needs no token, is what a node's copy relies
 * on when two controllers both believe they act.
 */
public final class ReplicaCopies {
  private final RaftClient client;
  private final RaftClient probes;
  private final BooleanSupplier acting;
  private final String actingAs;

  /**
   * @param client reaches the group's replicas and the nodes acted on
   * @param probes the same, for the group-info questions the guards ask: with a short timeout
   *     and no retry, so that a node whose Raft port takes connections and never answers (cut
   *     off behind a firewall, say) costs a guard seconds, not the minutes of three full
   *     attempts per question
   * @param acting whether the controller still acts in the term it planned in
   * @param actingAs names the controller and its term, for refusals
   */
  public ReplicaCopies(RaftClient client, RaftClient probes, BooleanSupplier acting,
      String actingAs) {
    this.client = client;
    this.probes = probes;
    this.acting = acting;
    this.actingAs = actingAs;
  }

  /**
   * Formats {@code group} on {@code node}, which the plan puts outside the group's configuration.
   * A copy found there is deleted first only if it is no voter ({@link #delete}).
   *
   * @param leaderAmong the replicas one of which leads the group
   */
  public void format(String node, RaftGroup group, List<String> leaderAmong) throws IOException {
    RaftPeerId id = RaftPeerId.valueOf(node);
    fence("format " + group.getGroupId() + " on " + node);
    try {
      client.getGroupManagementApi(id).add(group, true);
    } catch (IOException e) {
      if (!(e instanceof AlreadyExistsException)
          && !String.valueOf(e.getMessage()).contains("already exists")) {
        recoverLeftOnDisk(id, group, e);
        return;
      }
      delete(node, group.getGroupId(), leaderAmong);
      fence("format " + group.getGroupId() + " on " + node);
      client.getGroupManagementApi(id).add(group, true);
    }
  }

  /**
   * Starts the copy of {@code group} that {@code node} still holds on disk with no division
   * running it (Ratis stops a division taken out of its group's configuration, and a restart
   * does not open it again): formatting refuses an existing directory, and without this the
   * controller retried the same format every tick, for ever, and the group stayed a replica
   * short (found by ChaosIT). The node is outside the group's configuration, so its copy is a
   * stale follower of the same group that the leader brings up to date once it is added. When
   * this fails too, the format's own failure is what the caller sees.
   */
  private void recoverLeftOnDisk(RaftPeerId node, RaftGroup group, IOException formatFailed)
      throws IOException {
    fence("start the copy of " + group.getGroupId() + " left on " + node);
    try {
      client.getGroupManagementApi(node).add(group, false);
    } catch (IOException recoverFailed) {
      formatFailed.addSuppressed(recoverFailed);
      throw formatFailed;
    }
  }

  /**
   * Deletes the copy of {@code groupId} on {@code node}, unless it may be a voter.
   *
   * @param leaderAmong the replicas one of which leads the group
   * @throws IOException when the copy is kept (saying why) or the call fails
   */
  public void delete(String node, RaftGroupId groupId, List<String> leaderAmong)
      throws IOException {
    RaftPeerId id = RaftPeerId.valueOf(node);
    Optional<VoterGuard.View> copy;
    try {
      copy = Optional.of(view(probes.getGroupManagementApi(id).info(groupId)));
    } catch (IOException | RuntimeException e) {
      // A stopped copy (its state machine failed), one still opening, or none: it cannot say,
      // and the leader's configuration decides alone.
      copy = Optional.empty();
    }
    Optional<String> kept = VoterGuard.whyKept(node, leaderView(groupId, leaderAmong), copy);
    if (kept.isPresent()) {
      throw new IOException("kept the copy of " + groupId + " on " + node + ": " + kept.get());
    }
    fence("delete the copy of " + groupId + " on " + node);
    client.getGroupManagementApi(id).remove(groupId, true, false);
  }

  /** Throws unless the controller still acts in the term it planned in. */
  public void fence(String what) throws IOException {
    if (!acting.getAsBoolean()) {
      throw new IOException(actingAs + " no longer acts (the metadata leadership moved): it "
          + "does not " + what);
    }
  }

  /** The answer of the replica among {@code candidates} leading the group in the highest term. */
  private Optional<VoterGuard.View> leaderView(RaftGroupId groupId, List<String> candidates) {
    Optional<VoterGuard.View> best = Optional.empty();
    for (String candidate : candidates) {
      try {
        VoterGuard.View view =
            view(probes.getGroupManagementApi(RaftPeerId.valueOf(candidate)).info(groupId));
        if (view.leading() && (best.isEmpty() || view.term() > best.get().term())) {
          best = Optional.of(view);
        }
      } catch (IOException | RuntimeException e) {
        // down, or no copy there: not the leader
      }
    }
    return best;
  }

  /**
   * What a replica's group info says. Its group's peers are the voters of its configuration, the
   * previous ones too while it changes (and any listeners: counting one as a voter only keeps a
   * copy); Ratis 3.2 does not send the configuration itself over gRPC.
   */
  static VoterGuard.View view(GroupInfoReply reply) {
    Set<String> voters = new HashSet<>();
    reply.getGroup().getPeers().forEach(peer -> voters.add(peer.getId().toString()));
    var role = reply.getRoleInfoProto();
    // LEADER is the role's default value, so the leader's own section must be there too.
    boolean leading = role.getRole() == RaftPeerRole.LEADER && role.hasLeaderInfo();
    long term = leading ? role.getLeaderInfo().getTerm() : 0;
    long lastEntryTerm = reply.getLogInfoProto().getLastEntry().getTerm();
    return new VoterGuard.View(leading, term, lastEntryTerm, voters);
  }
}
