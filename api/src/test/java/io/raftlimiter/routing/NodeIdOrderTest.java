package io.raftlimiter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NodeIdOrderTest {
  @Test
  void trailingNumbersCompareByValue() {
    List<String> ids = new ArrayList<>(List.of("n10", "n2", "n1", "n11", "n3", "n20", "n9"));
    ids.sort(NodeIdOrder.INSTANCE);
    assertEquals(List.of("n1", "n2", "n3", "n9", "n10", "n11", "n20"), ids);
  }

  @Test
  void otherIdsKeepAStableTotalOrder() {
    List<String> ids = new ArrayList<>(List.of("b", "a10", "a2", "n02", "n2", "node", "a",
        "x99999999999999999999999", "x1"));
    Random random = new Random(3);
    List<String> first = null;
    for (int i = 0; i < 50; i++) {
      Collections.shuffle(ids, random);
      ids.sort(NodeIdOrder.INSTANCE);
      if (first == null) {
        first = List.copyOf(ids);
      }
      assertEquals(first, ids, "the same order whatever the input order");
    }
    assertTrue(first.indexOf("a2") < first.indexOf("a10"));
    assertTrue(first.indexOf("x1") < first.indexOf("x99999999999999999999999"));
    for (String a : first) {
      for (String b : first) {
        assertEquals(Integer.signum(NodeIdOrder.INSTANCE.compare(a, b)),
            -Integer.signum(NodeIdOrder.INSTANCE.compare(b, a)), a + " " + b);
      }
    }
  }
}
