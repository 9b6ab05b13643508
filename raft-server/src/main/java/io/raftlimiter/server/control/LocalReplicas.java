package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.Replica;
import io.raftlimiter.server.data.ClusterGroups;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Reads what each replica this node hosts says of itself and its group ({@link ReplicaState})
 * from the node's Ratis server. The one place where Ratis' view of a replica becomes a role:
 * the probe the controller plans from and the status operators read both take it from here.
 *
 * <p>The configuration is read from the replica itself, never from the metadata's record of it,
 * which lags whenever a controller stopped between changing a configuration and recording it.
 * Only memory is read, so a replica busy restoring a snapshot does not hold the answer up.
 */
public final class LocalReplicas {
  private final RaftServer server;
  private final IntSupplier dataGroups;

  /** @param dataGroups how many data groups the cluster has now */
  public LocalReplicas(RaftServer server, IntSupplier dataGroups) {
    this.server = server;
    this.dataGroups = dataGroups;
  }

  /** This node's replica of the metadata group, if it hosts one, then its data groups' in order. */
  public List<ReplicaState> all() {
    List<ReplicaState> hosted = new ArrayList<>();
    read(HostedReplica.METADATA, ClusterGroups.metaGroupId()).ifPresent(hosted::add);
    int count = dataGroups.getAsInt();
    for (int index = 0; index < count; index++) {
      read(index, ClusterGroups.dataGroupId(index)).ifPresent(hosted::add);
    }
    return hosted;
  }

  private Optional<ReplicaState> read(int group, RaftGroupId id) {
    try {
      return Optional.of(state(group, server.getDivision(id)));
    } catch (IOException e) {
      return Optional.empty(); // not hosted here, or not yet
    }
  }

  /**
   * The replica's state; {@link Replica.Role#UNKNOWN} with what could be read when it is being
   * closed meanwhile.
   */
  static ReplicaState state(int group, RaftServer.Division division) {
    List<String> peers = List.of();
    List<String> previous = List.of();
    long configurationIndex = 0;
    try {
      var configuration = division.getRaftConf();
      peers = configuration.getCurrentPeers().stream().map(p -> p.getId().toString()).toList();
      previous = configuration.getPreviousPeers().stream().map(p -> p.getId().toString())
          .toList();
      configurationIndex = configuration.getLogEntryIndex();
      var info = division.getInfo();
      if (!info.isAlive()) {
        // Stopped by Ratis (its state machine threw) but still registered: its last role would
        // read as if it still served, and what it applied or knew of a leader is not served.
        return new ReplicaState(group, Replica.Role.FAILED, info.getCurrentTerm(), "", 0, 0,
            configurationIndex, peers, previous);
      }
      RaftPeerId leader = info.getLeaderId();
      return new ReplicaState(group, role(info.getCurrentRole()), info.getCurrentTerm(),
          leader == null ? "" : leader.toString(), info.getLastAppliedIndex(),
          division.getRaftLog().getLastCommittedIndex(), configurationIndex, peers, previous);
    } catch (RuntimeException e) {
      return new ReplicaState(group, Replica.Role.UNKNOWN, 0, "", 0, 0, configurationIndex,
          peers, previous);
    }
  }

  /** A running replica's role from Ratis' name for it. */
  static Replica.Role role(RaftPeerRole ratisRole) {
    return switch (ratisRole) {
      case LEADER -> Replica.Role.LEADER;
      case FOLLOWER -> Replica.Role.FOLLOWER;
      case CANDIDATE -> Replica.Role.CANDIDATE;
      case LISTENER -> Replica.Role.LISTENER;
      default -> Replica.Role.UNKNOWN;
    };
  }
}
