package io.raftlimiter.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClusterKindTest {
  @Test
  void parsesTheTwoStartableKinds() {
    assertEquals(ClusterKind.PROCESS, ClusterKind.parse("process"));
    assertEquals(ClusterKind.EMBEDDED, ClusterKind.parse(" Embedded "));
    // an existing cluster is named by --endpoints, not by --cluster
    for (String bad : new String[] {"existing", "", "processes"}) {
      assertThrows(IllegalArgumentException.class, () -> ClusterKind.parse(bad), bad);
    }
  }
}
