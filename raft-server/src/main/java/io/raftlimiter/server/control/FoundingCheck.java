package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.server.config.PeerAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Whether a node on new storage, on a founding start, may found its groups: only when it can
 * tell that the cluster is new. Founding on a cluster that exists makes groups of the same ids
 * beside the real ones (a term-1 log that Ratis' (index, term) check can later take for the real
 * term-1 log) and a node that decides from full buckets without the rules. So it founds only
 * when
 * <ul>
 *   <li>a majority of {@code cluster.peers} (itself included) answered: nodes started together
 *       may not all listen yet, and a node that heard no one knows nothing;
 *   <li>no answering peer restarted on storage it had before ({@code storage_reused}): the
 *       cluster ran before, so this node's empty storage is a lost disk;
 *   <li>no answering peer's metadata records a storage of this node ({@link FormerStorageCheck}):
 *       the same, seen by peers that never restarted;
 *   <li>every answering peer lists the same ids ({@link PeerListCheck}).
 * </ul>
 * Any majority of the founding peers holds at least one node of every earlier majority, so while
 * a majority of them keeps its storage, a node that lost its disk hears of it before it founds.
 * Pure, over the answers of {@link PeerStatuses}.
 */
public final class FoundingCheck {
  /** What the node does now. */
  public enum Verdict {
    /** The cluster is new: found the groups this node is the first replica of. */
    FOUND,
    /** The cluster exists: found nothing; the controller gives this node fresh replicas. */
    LOST_DISK,
    /** Too few peers answered to tell: ask again. */
    WAIT,
    /** The peers' lists name other ids: founding would form a second metadata group. */
    REFUSE
  }

  /** A verdict and why, for the node's log. */
  public record Outcome(Verdict verdict, String reason) {}

  private FoundingCheck() {}

  public static Outcome decide(String self, List<PeerAddress> peers,
      Map<String, ProbeReply> answered) {
    Optional<String> disagreement = PeerListCheck.disagreement(self, peers, answered);
    if (disagreement.isPresent()) {
      return new Outcome(Verdict.REFUSE, disagreement.get());
    }
    Optional<String> recorded = FormerStorageCheck.recordedStorage(self, answered);
    if (recorded.isPresent()) {
      return new Outcome(Verdict.LOST_DISK,
          "the cluster knows it with storage " + recorded.get());
    }
    Optional<String> restarted = answered.entrySet().stream()
        .filter(answer -> answer.getValue().getStorageReused()).map(Map.Entry::getKey)
        .findFirst();
    if (restarted.isPresent()) {
      return new Outcome(Verdict.LOST_DISK, "node " + restarted.get()
          + " restarted on storage it had before, so the cluster ran before");
    }
    int majority = peers.size() / 2 + 1;
    int heard = answered.size() + 1; // itself
    if (heard < majority) {
      TreeSet<String> silent = new TreeSet<>();
      peers.forEach(peer -> silent.add(peer.id()));
      silent.remove(self);
      silent.removeAll(answered.keySet());
      return new Outcome(Verdict.WAIT, heard + " of " + peers.size() + " founding nodes heard "
          + "(itself included), a majority is " + majority + "; not answering yet: " + silent);
    }
    return new Outcome(Verdict.FOUND, heard + " of " + peers.size()
        + " founding nodes answered, all on storage new at this start");
  }
}
