package io.raftlimiter.server.control;

import io.raftlimiter.api.peer.v1.ProbeReply;
import java.util.Map;
import java.util.Optional;

/**
 * Before a node formats replicas on storage it has just made, asks the other nodes whether the
 * cluster already knows a storage of this node's id. If it does, the node lost its disk: the
 * replicas the configurations still count for it are gone, and an empty replica formatted under
 * them would vote and count towards majorities before it held what the old one had acknowledged
 * (two such votes can elect a leader missing committed decisions). So the node formats nothing,
 * and the controller takes its old replicas out and gives it fresh ones.
 *
 * <p>It is one of the proofs {@link FoundingCheck} asks for before a node founds: it catches a
 * lost disk while the peers run on; a peer that restarted on its storage catches it when the
 * whole cluster restarts, before any metadata is loaded.
 */
public final class FormerStorageCheck {
  private FormerStorageCheck() {}

  /** The storage id some answering peer's metadata records for {@code self}, if any does. */
  public static Optional<String> recordedStorage(String self, Map<String, ProbeReply> answered) {
    return answered.values().stream()
        .map(reply -> reply.getMemberStorageIdsMap().get(self))
        .filter(recorded -> recorded != null)
        .findFirst();
  }
}
