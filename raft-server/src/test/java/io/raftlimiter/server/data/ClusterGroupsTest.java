package io.raftlimiter.server.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.server.config.PeerAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterGroupsTest {
  /**
   * A cluster grown to ten nodes or more keeps its founding metadata replicas: in string order
   * "n10" came before "n2", so a node restarted with the grown member list took n1, n10 and n11.
   */
  @Test
  void theMetadataReplicasAreTheFirstThreeIdsByNumber() {
    List<PeerAddress> peers = new ArrayList<>();
    for (int i = 12; i >= 1; i--) {
      peers.add(new PeerAddress("n" + i, "127.0.0.1", 1000 + 2 * i, 1001 + 2 * i));
    }
    List<String> replicas = ClusterGroups.metaGroup(peers).getPeers().stream()
        .map(peer -> peer.getId().toString()).sorted().toList();
    assertEquals(List.of("n1", "n2", "n3"), replicas);
  }
}
