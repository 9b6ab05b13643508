package io.raftlimiter.server.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftlimiter.api.peer.v1.ProbeReply;
import io.raftlimiter.server.config.PeerAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Founding lists are compared by ids; silent or older peers are not compared. */
class PeerListCheckTest {
  private static final List<PeerAddress> ALL =
      PeerAddress.parseList("n10=h:1:2,n2=h:3:4,n1=h:5:6");

  private static ProbeReply listing(String peers) {
    return ProbeReply.newBuilder()
        .addAllClusterPeers(PeerListCheck.entries(PeerAddress.parseList(peers))).build();
  }

  @Test
  void entriesAreInIdOrder() {
    assertEquals(List.of("n1=h:5:6", "n2=h:3:4", "n10=h:1:2"), PeerListCheck.entries(ALL));
  }

  @Test
  void theSameIdsAgreeWhateverTheOrderOrTheAddresses() {
    Map<String, ProbeReply> answered = Map.of("n2", listing("n2=other:7:8,n1=h:5:6,n10=h:1:2"));
    assertEquals(Optional.empty(), PeerListCheck.disagreement("n1", ALL, answered));
  }

  @Test
  void aListWithAnIdMissingIsNamedWithBothLists() {
    Map<String, ProbeReply> answered = new LinkedHashMap<>();
    answered.put("n10", ProbeReply.getDefaultInstance()); // an older node reports no list
    answered.put("n2", listing("n2=h:3:4,n10=h:1:2"));
    String why = PeerListCheck.disagreement("n1", ALL, answered).orElseThrow();
    assertTrue(why.contains("node n1 has cluster.peers=n1=h:5:6,n2=h:3:4,n10=h:1:2"), why);
    assertTrue(why.contains("node n2 has cluster.peers=n2=h:3:4,n10=h:1:2"), why);
  }
}
