package io.raftlimiter.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class NodeEndpointsTest {
  @Test
  void readsOneNodePerLine() {
    String text = "n1 127.0.0.1:40001 1234\nn2 127.0.0.1:40003 1235\n\n  n3\t127.0.0.1:40005  99\n";
    assertEquals(List.of(new NodeEndpoints.Node("n1", "127.0.0.1:40001", 1234),
        new NodeEndpoints.Node("n2", "127.0.0.1:40003", 1235),
        new NodeEndpoints.Node("n3", "127.0.0.1:40005", 99)), NodeEndpoints.parse(text));
    assertEquals(List.of(), NodeEndpoints.parse(""));
  }

  @Test
  void rejectsMalformedLines() {
    for (String bad : List.of("n1 127.0.0.1:40001", "n1 127.0.0.1 12", "n1 127.0.0.1:40001 x",
        "n1 127.0.0.1:40001 12 extra")) {
      assertThrows(IllegalArgumentException.class, () -> NodeEndpoints.parse(bad), bad);
    }
  }
}
