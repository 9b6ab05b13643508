package io.raftlimiter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftlimiter.server.config.PeerAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A removed node's id is never given to a new node: the cluster refuses a removed id for good,
 * so 'add-node' after 'remove-node' used to wait 120 s for a node that could not join.
 */
class ClusterLayoutTest {
  @TempDir Path dir;

  @Test
  void aRemovedIdIsNeverReused() throws Exception {
    ClusterLayout layout = ClusterLayout.create(3, 1, 3, null, 100, 10);
    assertEquals("n4", layout.nextId());
    ClusterLayout grown = layout.withPeer(new PeerAddress("n4", "127.0.0.1", 1001, 1002));
    ClusterLayout shrunk = grown.withoutPeer("n4");
    assertEquals("n5", shrunk.nextId(), "n4 is retired");

    shrunk.save(dir);
    ClusterLayout loaded = ClusterLayout.load(dir);
    assertEquals(List.of("n4"), loaded.retired());
    assertEquals("n5", loaded.nextId(), "and stays so across rlctl runs");
    assertEquals(shrunk.peers(), loaded.peers());
    // every node has an HTTP port of its own, kept across runs; a removed node's goes with it
    assertEquals(3, loaded.httpPorts().size());
    assertEquals(shrunk.httpPorts(), loaded.httpPorts());
    assertEquals(3, java.util.Set.copyOf(loaded.httpPorts().values()).size());
    assertEquals(4, grown.httpPorts().size());
  }
}
