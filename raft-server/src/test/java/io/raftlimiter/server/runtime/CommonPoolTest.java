package io.raftlimiter.server.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class CommonPoolTest {
  @Test
  void sharesThePoolOnOneOrTwoCores() {
    assertEquals(Optional.of("2"), CommonPool.parallelismToSet(new Properties(), 1));
    assertEquals(Optional.of("2"), CommonPool.parallelismToSet(new Properties(), 2));
  }

  @Test
  void leavesTheDefaultWhereItIsAlreadyShared() {
    assertEquals(Optional.empty(), CommonPool.parallelismToSet(new Properties(), 3));
    assertEquals(Optional.empty(), CommonPool.parallelismToSet(new Properties(), 64));
  }

  @Test
  void keepsWhatTheOperatorSet() {
    Properties properties = new Properties();
    properties.setProperty(CommonPool.PARALLELISM, "1");
    assertEquals(Optional.empty(), CommonPool.parallelismToSet(properties, 2));
  }

  @Test
  void theWarningNamesTheFix() {
    assertTrue(CommonPool.threadPerTaskWarning()
        .contains("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2"));
  }
}
