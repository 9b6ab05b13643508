package io.raftlimiter.server;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.server.config.ConfigException;
import io.raftlimiter.server.config.NodeConfig;
import io.raftlimiter.server.config.PeerAddress;
import io.raftlimiter.server.local.FreePorts;
import io.raftlimiter.server.local.LocalCluster;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node whose {@code cluster.peers} lacks an id takes the first id it does list for the
 * metadata group's founder: n2 listing only n2 and n3 used to found a second metadata group (and
 * run a second controller) beside the one n1 founded. Its founding start now fails, naming both
 * lists, because a peer that answers lists other ids.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@Tag("cluster")
class PeerListMismatchTest {
  @TempDir Path dir;

  @Test
  void aFoundingNodeWhoseListLacksAnIdRefusesToStart() throws Exception {
    List<PeerAddress> peers = List.of(peer("n1"), peer("n2"), peer("n3"));
    Consumer<NodeConfig.Builder> settings = b -> { };
    NodeConfig lacksN1 = LocalCluster.config(dir, settings, peers.get(1), peers.subList(1, 3), false);
    try (RaftNode n1 = RaftNode.start(LocalCluster.config(dir, settings, peers.get(0), peers, false));
        RaftNode n3 = RaftNode.start(LocalCluster.config(dir, settings, peers.get(2), peers, false))) {
      ConfigException refused = assertThrows(ConfigException.class, () -> {
        try (RaftNode founded = RaftNode.start(lacksN1)) {
          // started: it founded a metadata group of its own
        }
      });
      String message = refused.getMessage();
      assertTrue(message.contains("cluster.peers=" + PeerAddress.format(peers.subList(1, 3)))
          && message.contains("cluster.peers=" + PeerAddress.format(peers)), message);
    }
  }

  private static PeerAddress peer(String id) {
    return new PeerAddress(id, "127.0.0.1", FreePorts.next(), FreePorts.next());
  }
}
